import {beforeAll, describe, expect, it} from 'vitest';
import {createMetricReader} from '../../source/adapters/metrics/metric-reader.js';
import {createWatchExecutor} from '../../source/adapters/watch-step.js';
import type {Gate, MetricSource, WatchStep} from '../../source/runbook/schema.js';
import {recordingContext} from './metrics/recording-context.js';
import {textServerForTests} from './metrics/text-server.js';

const http = textServerForTests();
/** Values served per colour, one per request; the last one repeats. */
const served: Record<string, Array<number | string>> = {green: [], blue: []};
const requested: Record<string, number> = {green: 0, blue: 0};

beforeAll(() => {
	http.server.answer((request) => {
		const colour = request.url === '/blue' ? 'blue' : 'green';
		const values = served[colour] ?? [];
		const index = Math.min(requested[colour] ?? 0, values.length - 1);
		requested[colour] = (requested[colour] ?? 0) + 1;
		return {body: JSON.stringify({p95: values[index] ?? null}), contentType: 'application/json'};
	});
});

const source = (colour: 'green' | 'blue'): MetricSource => ({type: 'http-json', url: `${http.server.url}/${colour}`, path: '$.p95'});

const watch = async (
	options: {green: Array<number | string>; blue?: Array<number | string>; gates: Gate[]; duration: string; interval?: string; speed?: number; signal?: AbortSignal},
) => {
	served.green = options.green;
	served.blue = options.blue ?? [];
	requested.green = 0;
	requested.blue = 0;
	const step: WatchStep = {id: 'observe', title: 'beobachten', kind: 'watch', duration: options.duration, interval: options.interval, gates: options.gates};
	const recorded = recordingContext(step, {
		speed: options.speed,
		signal: options.signal,
		metrics: {p95: {title: 'p95 Latenz', unit: 'ms', green: source('green'), blue: options.blue ? source('blue') : undefined}},
	});
	const started = Date.now();
	const result = await createWatchExecutor(createMetricReader())(recorded.context);
	return {result, samples: recorded.samples(), lines: recorded.lines, elapsed: Date.now() - started};
};

describe('watch step', () => {
	it('given green and blue within bounds, then it passes, each sample is an event and each tick a line', async () => {
		const {result, samples, lines} = await watch({
			green: [212],
			blue: [190],
			gates: [{metric: 'p95', max: 300, maxRatioToBlue: 1.2}],
			duration: '1ms',
		});
		expect(result).toEqual({status: 'passed', reason: 'gates held: p95 212 ms'});
		expect(samples).toEqual([
			{type: 'gate-sampled', phase: 'smoke', step: 'observe', gate: 0, metric: 'p95', colour: 'blue', value: 190, verdict: 'pass', reason: undefined, weight: undefined},
			{
				type: 'gate-sampled',
				phase: 'smoke',
				step: 'observe',
				gate: 0,
				metric: 'p95',
				colour: 'green',
				value: 212,
				verdict: 'pass',
				threshold: '≤ 300 ms, ≤ 1.20× blue',
				reason: undefined,
				weight: undefined,
				// Without distributions to test, green and blue are compared as bare values.
				comparison: {test: 'values', ratio: 212 / 190, confidence: 0.95},
			},
		]);
		expect(lines).toEqual(['p95 green 212 ms, blue 190 ms ✓ ≤ 300 ms, ≤ 1.20× blue']);
	});

	it('given a gate needing 3 consecutive samples and tolerating one fail, when one of the last three failed, then it does not hold', async () => {
		const {result, samples} = await watch({green: [412, 100, 100], gates: [{metric: 'p95', max: 300, samples: 3, failureLimit: 1}], duration: '1ms', interval: '200ms'});
		expect(samples.map((sample) => sample.verdict)).toEqual(['fail', 'pass', 'pass']);
		expect(result).toEqual({status: 'failed', reason: 'p95 held for 2 of 3 consecutive samples'});
	});

	it('given no failureLimit, then the first failed sample ends the watch at once (Argo\'s default of 0)', async () => {
		const {result, samples} = await watch({green: [412, 100, 100], gates: [{metric: 'p95', max: 300, samples: 3}], duration: '1m', interval: '200ms'});
		expect(samples).toHaveLength(1);
		expect(result).toEqual({status: 'failed', reason: 'p95 412 ms > 300 ms'});
	});

	it('given failureLimit 1, then a single outlier does not decide: the watch passes on the samples after it', async () => {
		const {result, samples} = await watch({green: [100, 412, 100, 100], gates: [{metric: 'p95', max: 300, samples: 2, failureLimit: 1}], duration: '600ms', interval: '200ms'});
		expect(samples.map((sample) => sample.verdict)).toEqual(['pass', 'fail', 'pass', 'pass']);
		expect(result.status).toBe('passed');
	});

	it('given 3 good samples in a row, then a gate needing 3 holds, even when the shortened duration ran out first', async () => {
		const {result, samples} = await watch({green: [100], gates: [{metric: 'p95', max: 300, samples: 3}], duration: '1ms', interval: '200ms'});
		expect(samples).toHaveLength(3);
		expect(result.status).toBe('passed');
	});

	it('given a sustained regression and failureLimit 1, then the watch fails at the second sample naming value, threshold and the count', async () => {
		const {result, samples, elapsed} = await watch({green: [412], gates: [{metric: 'p95', max: 300, samples: 2, failureLimit: 1}], duration: '1m', interval: '200ms'});
		expect(result).toEqual({status: 'failed', reason: 'p95 412 ms > 300 ms (2 failed samples, 1 allowed)'});
		expect(samples).toHaveLength(2);
		expect(elapsed).toBeLessThan(5000);
	});

	it('given green above the allowed multiple of blue, then it fails saying so', async () => {
		const {result} = await watch({green: [250], blue: [200], gates: [{metric: 'p95', maxRatioToBlue: 1.2}], duration: '1ms'});
		expect(result).toEqual({status: 'failed', reason: 'p95 250 ms > 1.20× blue (200 ms)'});
	});

	it('given an unreadable value, then the gate is unknown, it blocks to the end and never passes', async () => {
		const {result, samples, lines} = await watch({green: ['fast'], gates: [{metric: 'p95', max: 300}], duration: '400ms', interval: '200ms'});
		expect(samples).toHaveLength(3);
		expect(samples.every((sample) => sample.verdict === 'unknown' && sample.value === null)).toBe(true);
		expect(result).toEqual({status: 'failed', reason: 'p95 unknown: $.p95 is "fast", not a number'});
		expect(lines[0]).toBe('p95 green unknown ($.p95 is "fast", not a number) ? ≤ 300 ms');
	});

	it('given a missing blue value for a ratio gate, then the gate is unknown, not passed', async () => {
		const {result} = await watch({green: [100], blue: [null as unknown as number], gates: [{metric: 'p95', maxRatioToBlue: 1.5}], duration: '1ms'});
		expect(result).toEqual({status: 'failed', reason: 'p95 unknown: blue: $.p95 is null, not a number'});
	});

	it('given a rehearsal speed, then duration and interval shrink by it', async () => {
		const {result, samples, elapsed} = await watch({green: [100], gates: [{metric: 'p95', max: 300}], duration: '10s', interval: '5s', speed: 20});
		// 500 ms of watching, one sample every 250 ms: at 0, 250 and 500 ms.
		expect(result.status).toBe('passed');
		expect(samples).toHaveLength(3);
		expect(elapsed).toBeGreaterThanOrEqual(490);
		expect(elapsed).toBeLessThan(2000);
	});

	it('given the run is stopped, then the watch ends promptly without passing', async () => {
		const controller = new AbortController();
		setTimeout(() => controller.abort(), 300);
		const {result, elapsed} = await watch({green: [100], gates: [{metric: 'p95', max: 300}], duration: '1m', interval: '200ms', signal: controller.signal});
		expect(result.status).toBe('failed');
		expect(elapsed).toBeLessThan(1500);
	});
});
