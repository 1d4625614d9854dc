import asciichart from 'asciichart';
import type {Comparison} from '../engine/events.js';
import {describeComparison, describeThreshold, formatValue, wholeCount} from '../engine/gate.js';
import type {GateState, SeriesPoint} from '../engine/state.js';
import type {Tone} from './theme.js';

export type MetricInfo = {title: string; unit?: string};

const withUnit = (value: number | null, unit: string | undefined): string =>
	value === null || !Number.isFinite(value) ? 'no data' : `${formatValue(value)}${unit ? ` ${unit}` : ''}`;

/** The bound the gate is judged against, in words: "≤ 300 ms". */
export const thresholdText = (gate: GateState, metric: MetricInfo | undefined): string =>
	gate.threshold ?? describeThreshold(gate.gate, metric?.unit);

/** Green against blue in a few words, for the side of a chart: "Δ +8 % vs blue · n.s. at 95 %". */
export const compactComparison = (comparison: Comparison): string => {
	const full = describeComparison('', comparison).replace(/^green {2}/, '');
	return `Δ ${full.replace(', not significant at ', ' · n.s. at ').replace(', significant at ', ' · significant at ')}`;
};

/** What the latest comparison with blue adds to a verdict, when a test was possible. */
const effectText = (gate: GateState): string =>
	gate.comparison && gate.comparison.test !== 'values' ? ` · ${describeComparison(gate.metric, gate.comparison)}` : '';

/**
 * The verdict beside a chart: "✓ pass 212 ms ≤ 300 ms", "✗ fail p95 412 ms > 300 ms", "? unknown:
 * no data", "… insufficient data: 12 requests in 6 s, need 50". A ratio gate adds the effect and
 * its confidence: "· green p95 +8 % vs blue, not significant at 95 %".
 */
export const verdictText = (gate: GateState, metric: MetricInfo | undefined): {text: string; tone: Tone} => {
	switch (gate.lastVerdict) {
		case 'pass':
			return {text: `✓ pass ${withUnit(gate.lastValue, metric?.unit)} ${thresholdText(gate, metric)}${effectText(gate)}`, tone: 'good'};
		case 'fail':
			return {text: `✗ fail ${gate.reason ?? `${gate.metric} ${withUnit(gate.lastValue, metric?.unit)}`}`, tone: 'bad'};
		case 'unknown':
			if (gate.insufficient) return {text: `… ${gate.reason ?? 'insufficient data'}`, tone: 'warn'};
			return {text: `? unknown: ${gate.reason ?? 'no data'}`, tone: 'warn'};
		case 'pending':
			return {text: '… waiting for the first sample', tone: 'muted'};
	}
};

const counted = (count: number | undefined): string => (count === undefined ? '' : ` (n=${wholeCount(count)})`);

/** The lines beside a chart: what is measured, the verdict, both colours' values (with their counts), the effect, the bound. */
export const gateSummary = (gate: GateState, metric: MetricInfo | undefined): Array<{text: string; tone: Tone}> => [
	{text: metric?.title ?? gate.metric, tone: 'strong'},
	verdictText(gate, metric),
	{text: `green ${withUnit(gate.lastValue, metric?.unit)}${counted(gate.lastCount)}`, tone: 'good'},
	{text: `blue  ${gate.blue.length > 0 ? `${withUnit(gate.lastBlue, metric?.unit)}${counted(gate.lastBlueCount)}` : 'not measured'}`, tone: 'accent'},
	...(gate.comparison && gate.comparison.test !== 'values' ? [{text: compactComparison(gate.comparison), tone: gate.comparison.significant ? ('bad' as const) : ('muted' as const)}] : []),
	{text: `limit ${thresholdText(gate, metric)}`, tone: 'bad'},
];

/** Numbers only: a gap (no data) repeats the last known value, so the line stays continuous. */
export const numericSeries = (points: readonly SeriesPoint[]): number[] => {
	const values: number[] = [];
	let last: number | undefined;
	for (const point of points) {
		if (point.value !== null && Number.isFinite(point.value)) last = point.value;
		if (last !== undefined) values.push(last);
	}
	return values;
};

const SPARK = '▁▂▃▄▅▆▇█';

/** The last `width` green values as block characters, for the step row. */
export const sparkline = (points: readonly SeriesPoint[], width = 12): string => {
	const values = numericSeries(points).slice(-width);
	if (values.length === 0) return '';
	const low = Math.min(...values);
	const high = Math.max(...values);
	const span = high - low;
	return values
		.map((value) => SPARK[span === 0 ? 0 : Math.round(((value - low) / span) * (SPARK.length - 1))] ?? SPARK[0])
		.join('');
};

export type ChartInput = {
	green: readonly SeriesPoint[];
	blue: readonly SeriesPoint[];
	gate: GateState['gate'];
	/** Lines the chart may take. */
	height: number;
	/** Columns the chart may take, axis labels included. */
	width: number;
	colour: boolean;
};

export type Plot = typeof asciichart.plot;

/** The threshold as a third series: the fixed bound, or blue × ratio for a ratio-only gate. */
const thresholdSeries = (gate: ChartInput['gate'], blue: number[], length: number): number[] | undefined => {
	const bound = gate.max ?? gate.min;
	if (bound !== undefined) return Array.from({length}, () => bound);
	if (gate.maxRatioToBlue !== undefined && blue.length > 0) return blue.map((value) => value * gate.maxRatioToBlue!);
	return undefined;
};

/**
 * Green and blue on one chart with the threshold as a flat third line, as text lines no wider than
 * `width` and no more than `height`. Empty when green has no number yet.
 */
export const plotGateChart = (input: ChartInput, plot: Plot = asciichart.plot): string[] => {
	const green = numericSeries(input.green);
	if (green.length === 0 || input.height < 2) return [];
	const blueAll = numericSeries(input.blue);
	const everything = [...green, ...blueAll, ...(thresholdSeries(input.gate, blueAll, 1) ?? [])];
	const low = Math.min(...everything);
	const high = Math.max(...everything);
	// One precision for the whole axis, so every label has the width of the widest end.
	const decimals = high - low >= 10 ? 0 : high - low >= 1 ? 1 : 2;
	const label = (value: number) => value.toFixed(decimals);
	const labelWidth = Math.max(label(low).length, label(high).length);
	// Label, a space, the axis: what is left is one column per point.
	const points = Math.max(2, input.width - labelWidth - 2);
	const greenShown = green.slice(-points);
	const blueShown = blueAll.slice(-points);
	const length = Math.max(greenShown.length, blueShown.length, 2);
	const threshold = thresholdSeries(input.gate, blueShown, length);
	const series: number[][] = [greenShown, ...(blueShown.length > 0 ? [blueShown] : [])];
	const colours: Array<string | undefined> = [asciichart.green, ...(blueShown.length > 0 ? [asciichart.blue] : [])];
	if (threshold) {
		series.push(threshold);
		colours.push(asciichart.red);
	}
	const draw = (height: number) =>
		plot(series, {
			height,
			offset: 2,
			format: (value: number) => `${label(value).padStart(labelWidth)} `,
			...(input.colour ? {colors: colours} : {}),
		}).split('\n');
	// Rounding may give one line more than asked for; the chart must never push the screen taller.
	let lines = draw(input.height - 1);
	if (lines.length > input.height) lines = draw(input.height - 2);
	return lines.slice(0, input.height).map(mergeColourRuns);
};

const ESCAPE = '\u001B[';
const RESET_CODE = `${ESCAPE}0m`;

/**
 * asciichart wraps every cell in its colour and a reset. Where the next cell has the same colour,
 * the reset and the repeated colour are dropped: the line looks the same with a code per run of a
 * colour instead of two per cell, far less for Ink to parse on every frame and for the terminal to draw.
 * The colour codes (ESC [ digits m) are found by indexOf, not a regular expression: a chart line holds
 * dozens, and each match of an expression is an array of its own.
 */
export const mergeColourRuns = (line: string): string => {
	let merged = '';
	let open: string | undefined;
	let last = 0;
	for (let at = line.indexOf(ESCAPE); at !== -1; at = line.indexOf(ESCAPE, at + 1)) {
		let end = at + ESCAPE.length;
		while (end < line.length && line.charCodeAt(end) >= 0x30 && line.charCodeAt(end) <= 0x39) end++;
		if (end === at + ESCAPE.length || line.charCodeAt(end) !== 0x6d /* m */) continue;
		const code = line.slice(at + ESCAPE.length, end);
		const between = line.slice(last, at);
		last = end + 1;
		// A reset straight before the colour that was open: keep the colour open instead.
		if (between === '' && code === open && merged.endsWith(RESET_CODE)) {
			merged = merged.slice(0, -RESET_CODE.length);
		} else {
			merged += between + line.slice(at, last);
			if (code !== '0') open = code;
		}
		at = last - 1;
	}
	return merged + line.slice(last);
};

const sameChartInput = (a: ChartInput, b: ChartInput): boolean =>
	a.green === b.green && a.blue === b.blue && a.gate === b.gate && a.height === b.height && a.width === b.width && a.colour === b.colour;

/**
 * Plots memoised per chart: a chart (by its key) is plotted again only when its series, its gate or
 * its size changed, so a clock tick or another gate's sample costs no plot.
 */
export const chartPlotter = (plot: Plot = asciichart.plot): ((key: string, input: ChartInput) => string[]) => {
	const last = new Map<string, {input: ChartInput; lines: string[]}>();
	return (key, input) => {
		const seen = last.get(key);
		if (seen && sameChartInput(seen.input, input)) return seen.lines;
		const lines = plotGateChart(input, plot);
		last.set(key, {input, lines});
		return lines;
	};
};

/** Where a chart goes: lines and columns for the plot, and columns for the summary beside it. */
export type ChartLayout = {height: number; width: number; sideWidth: number; colour: boolean};

/** A gate's chart as the text to draw: the plot, the summary beside it, what it says before the first number. */
export type ChartText = {
	lines: readonly string[];
	summary: ReadonlyArray<{text: string; tone: Tone}>;
	empty: string;
	height: number;
	width: number;
	sideWidth: number;
};

export const chartText = (gate: GateState, metric: MetricInfo | undefined, layout: ChartLayout, plotted: (input: ChartInput) => string[]): ChartText => ({
	lines: plotted({green: gate.green, blue: gate.blue, gate: gate.gate, height: layout.height, width: layout.width, colour: layout.colour}),
	summary: gateSummary(gate, metric).slice(0, layout.height),
	empty: `no data yet for ${gate.metric}`,
	height: layout.height,
	width: layout.width,
	sideWidth: layout.sideWidth,
});

const sameStrings = (a: readonly string[], b: readonly string[]): boolean => a === b || (a.length === b.length && a.every((text, index) => text === b[index]));

/** True when two charts draw the same: a sample that changes neither the plot nor the summary draws nothing. */
export const sameChartText = (a: ChartText, b: ChartText): boolean =>
	a.height === b.height &&
	a.width === b.width &&
	a.sideWidth === b.sideWidth &&
	a.empty === b.empty &&
	sameStrings(a.lines, b.lines) &&
	a.summary.length === b.summary.length &&
	a.summary.every((line, index) => line.text === b.summary[index]!.text && line.tone === b.summary[index]!.tone);
