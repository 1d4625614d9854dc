import {describe, expect, it} from 'vitest';
import {grafanaDashboard} from '../../../source/adapters/export/grafana-snapshot.js';
import {releaseEvents} from './release-events.js';

type Frame = {schema: {name: string; fields: Array<{name: string; type: string}>}; data: {values: unknown[][]}};
type Panel = {
	type: string;
	title: string;
	datasource: {uid: string};
	targets: Array<{queryType: string; datasource: {uid: string}; snapshot: Frame[]}>;
	fieldConfig: {defaults: {thresholds: {steps: Array<{value: number | null}>}; unit?: string}};
};

describe('grafana snapshot', () => {
	const events = releaseEvents();
	const dashboard = JSON.parse(
		JSON.stringify(grafanaDashboard(events, {title: 'Rollout v1.4.0', metrics: {p95: {title: 'p95 Latenz', unit: 'ms'}}})),
	) as {title: string; schemaVersion: number; panels: Panel[]; time: {from: string; to: string}};
	const panel = (title: string) => {
		const found = dashboard.panels.find((candidate) => candidate.title.startsWith(title));
		if (!found) throw new Error(`no panel ${title}: ${dashboard.panels.map((candidate) => candidate.title).join(', ')}`);
		return found;
	};
	const series = (from: Panel, colour: string) => from.targets[0]!.snapshot.find((frame) => frame.schema.name === colour)?.data.values;

	it('given recorded gate samples, then there is one timeseries panel per metric, and the incidents as a table', () => {
		expect(dashboard.title).toBe('Rollout v1.4.0');
		expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
		expect(dashboard.panels.map((candidate) => candidate.type)).toEqual(['timeseries', 'timeseries', 'table']);
		expect(dashboard.panels.map((candidate) => candidate.title)).toEqual(['p95 Latenz (Schwelle ≤ 300 ms)', 'errors (Schwelle ≤ 1 %)', 'Zwischenfälle']);
		expect(dashboard.time).toEqual({from: new Date(events[0]!.ts).toISOString(), to: new Date(events.at(-1)!.ts).toISOString()});
	});

	it('given green and blue samples, then both series are embedded as data of the built-in Grafana data source', () => {
		const p95 = panel('p95 Latenz');
		expect(p95.datasource.uid).toBe('grafana');
		expect(p95.targets[0]).toMatchObject({queryType: 'snapshot', datasource: {uid: 'grafana'}});
		const greenTimes = events.filter((event) => event.type === 'gate-sampled' && event.metric === 'p95' && event.colour === 'green').map((event) => event.ts);
		expect(series(p95, 'green')).toEqual([greenTimes, [175, 182, 420]]);
		expect(series(p95, 'blue')?.[1]).toEqual([168, 170]);
		expect(p95.targets[0]!.snapshot[0]!.schema.fields.map((field) => field.type)).toEqual(['time', 'number']);
		expect(p95.fieldConfig.defaults.unit).toBe('ms');
	});

	it('given a metric without blue and a missing sample, then only green is drawn and the gap stays a gap', () => {
		const errors = panel('errors');
		expect(series(errors, 'green')?.[1]).toEqual([0.4, null, 0.5]);
		expect(series(errors, 'blue')).toBeUndefined();
	});

	it('given a failed sample, a failed step, an override and a rollback, then the incident table lists them in time order with their values', () => {
		const table = panel('Zwischenfälle').targets[0]!.snapshot[0]!;
		const [times, , where, weights, kinds, texts] = table.data.values as [number[], unknown[], string[], Array<number | null>, string[], string[]];
		expect(kinds).toEqual(['step-failed', 'override', 'failed-sample', 'rollback', 'run-ended']);
		expect(times).toEqual([...times].sort((a, b) => a - b));
		expect(where[2]).toBe('switch/shift');
		expect(weights[2]).toBe(10);
		expect(texts[2]).toBe('Probe p95 verletzt: p95 420 ms > 300 ms');
	});

	it('given an absolute bound, then it is drawn as a threshold line', () => {
		expect(panel('p95 Latenz').fieldConfig.defaults.thresholds.steps.map((step) => step.value)).toEqual([null, 300]);
	});
});
