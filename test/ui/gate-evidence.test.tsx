import asciichart from 'asciichart';
import {describe, expect, test} from 'vitest';
import type {GateState, SeriesPoint} from '../../source/engine/state.js';
import {GateChart} from '../../source/ui/GateChart.js';
import {chartPlotter, chartText, gateSummary, numericSeries, plotGateChart, sparkline, verdictText} from '../../source/ui/gate-evidence.js';
import {failingGate, fold, renderAt} from './checklist-harness.js';

const points = (...values: Array<number | null>): SeriesPoint[] => values.map((value, index) => ({ts: index * 1000, value}));

const failedGate = () => fold(failingGate).phases[1]!.steps[1]!.gates[0]!;

describe('gate evidence', () => {
	test('given gaps in a series, the line carries the last value across them and starts at the first number', () => {
		expect(numericSeries(points(null, 5, null, 7, Number.NaN))).toEqual([5, 5, 7, 7]);
	});

	test('a sparkline spans the lowest to the highest of the last values', () => {
		expect(sparkline(points(1, 2, 3, 4, 5, 6, 7, 8))).toBe('▁▂▃▄▅▆▇█');
		expect(sparkline(points(4, 4, 4))).toBe('▁▁▁');
		expect(sparkline(points(null))).toBe('');
	});

	test('verdicts in words: pass with value and bound, fail with the reason, unknown with why', () => {
		const gate = failedGate();
		const metric = {title: 'p95 Latenz', unit: 'ms'};
		expect(verdictText(gate, metric).text).toBe('✗ fail p95 412 ms > 300 ms');
		expect(verdictText({...gate, lastVerdict: 'pass', lastValue: 212}, metric).text).toBe('✓ pass 212 ms ≤ 300 ms');
		expect(verdictText({...gate, lastVerdict: 'unknown', reason: undefined}, metric).text).toBe('? unknown: no data');
	});

	test('given too few observations, the verdict says insufficient data with the count, not unknown', () => {
		const gate = {...failedGate(), lastVerdict: 'unknown' as const, insufficient: true, reason: 'insufficient data: 12 requests in 6 s, need 50'};
		expect(verdictText(gate, {title: 'p95 Latenz', unit: 'ms'})).toEqual({text: '… insufficient data: 12 requests in 6 s, need 50', tone: 'warn'});
	});

	test('given a tested comparison with blue, the verdict and the side of the chart show the effect and its confidence next to the value', () => {
		const gate = {
			...failedGate(),
			lastVerdict: 'pass' as const,
			lastValue: 33.7,
			lastCount: 412,
			lastBlue: 31.2,
			lastBlueCount: 530,
			blue: points(31.2),
			threshold: '≤ 300 ms, ≤ 1.20× blue',
			comparison: {test: 'mann-whitney' as const, ratio: 1.08, confidence: 0.95, pValue: 0.21, significant: false},
		};
		const metric = {title: 'p95 Latenz', unit: 'ms'};
		expect(verdictText(gate, metric).text).toBe('✓ pass 33.7 ms ≤ 300 ms, ≤ 1.20× blue · green p95 +8 % vs blue, not significant at 95 %');
		expect(gateSummary(gate, metric).map((line) => line.text)).toEqual([
			'p95 Latenz',
			'✓ pass 33.7 ms ≤ 300 ms, ≤ 1.20× blue · green p95 +8 % vs blue, not significant at 95 %',
			'green 33.7 ms (n=412)',
			'blue  31.2 ms (n=530)',
			'Δ +8 % vs blue · n.s. at 95 %',
			'limit ≤ 300 ms, ≤ 1.20× blue',
		]);
	});

	for (const [height, width] of [
		[5, 40],
		[10, 60],
		[3, 12],
	] as const) {
		test(`a chart asked for ${height} lines and ${width} columns is no larger, with the threshold on it`, () => {
			const lines = plotGateChart({
				green: points(...Array.from({length: 90}, (_, i) => 150 + i * 3)),
				blue: points(...Array.from({length: 90}, () => 160)),
				gate: {metric: 'p95', max: 300},
				height,
				width,
				colour: false,
			});
			expect(lines.length).toBeGreaterThan(1);
			expect(lines.length).toBeLessThanOrEqual(height);
			for (const line of lines) {
				expect([...line].length).toBeLessThanOrEqual(width);
				expect(line).toMatch(/^\s*\d+ [┤┼]/);
			}
		});
	}

	test('a ratio-only gate draws blue × ratio as its threshold', () => {
		const lines = plotGateChart({
			green: points(1, 1, 1),
			blue: points(1, 1, 1),
			gate: {metric: 'errors', maxRatioToBlue: 3},
			height: 5,
			width: 30,
			colour: false,
		});
		expect(lines[0]).toMatch(/^3\.0 ┼/);
	});

	test('given no number yet, there is no chart', () => {
		expect(plotGateChart({green: points(null), blue: [], gate: {metric: 'p95', max: 1}, height: 5, width: 30, colour: false})).toEqual([]);
	});

	test('given an unchanged series, a new verdict does not plot again and draws only the summary; a new sample plots again', () => {
		let plotted = 0;
		const counting: typeof asciichart.plot = (series, config) => {
			plotted += 1;
			return asciichart.plot(series, config);
		};
		const plotter = chartPlotter(counting);
		const metric = {title: 'p95 Latenz', unit: 'ms'};
		const layout = {height: 6, width: 40, sideWidth: 30, colour: false};
		const text = (shown: GateState) => chartText(shown, metric, layout, (input) => plotter('chart0', input));
		const gate = failedGate();

		const first = text(gate);
		expect(plotted).toBe(1);
		const ui = renderAt(<GateChart {...first} />, {columns: 80, rows: 24});
		expect(ui.lastFrame()).toContain('✗ fail p95 412 ms > 300 ms');

		const passed = text({...gate, lastVerdict: 'pass', lastValue: 250, reason: undefined});
		expect(plotted).toBe(1);
		expect(passed.lines).toBe(first.lines);
		ui.rerender(<GateChart {...passed} />);
		expect(ui.lastFrame()).toContain('✓ pass 250 ms ≤ 300 ms');

		text({...gate, green: [...gate.green, {ts: 1, value: 500}]});
		expect(plotted).toBe(2);
		ui.unmount();
	});
});
