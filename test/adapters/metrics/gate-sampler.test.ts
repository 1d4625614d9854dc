import {beforeAll, describe, expect, it} from 'vitest';
import {createMetricReader} from '../../../source/adapters/metrics/metric-reader.js';
import {createWatchExecutor} from '../../../source/adapters/watch-step.js';
import type {Gate, MetricSource, WatchStep} from '../../../source/runbook/schema.js';
import {recordingContext} from './recording-context.js';
import {textServerForTests} from './text-server.js';

// Gates over a real exporter: a Prometheus text endpoint per colour whose histogram grows by the
// requests the test lets arrive between two scrapes. Held out from the sandbox on purpose: the
// gates must work on exporters they have never seen.

const BOUNDS = [0.01, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.25, 0.5, 1];

/** A latency histogram that gets `arrivals()` more requests (in ms) each time it is scraped. */
const exporter = (arrivals: () => number[]) => {
	const counts = new Map<number, number>(BOUNDS.map((bound) => [bound, 0]));
	let total = 0;
	return () => {
		for (const ms of arrivals()) {
			total += 1;
			for (const bound of BOUNDS) if (ms / 1000 <= bound) counts.set(bound, (counts.get(bound) ?? 0) + 1);
		}
		return [
			'# TYPE api_latency_seconds histogram',
			...BOUNDS.map((bound) => `api_latency_seconds_bucket{le="${bound}"} ${counts.get(bound)}`),
			`api_latency_seconds_bucket{le="+Inf"} ${total}`,
			`api_latency_seconds_count ${total}`,
			'',
		].join('\n');
	};
};

/** n requests evenly spread from `from` to `to` ms. */
const spread = (n: number, from: number, to: number) => Array.from({length: n}, (_, index) => from + ((to - from) * (index + 0.5)) / n);

const http = textServerForTests();
const exporters: Record<string, () => string> = {};
beforeAll(() => {
	http.server.answer((request) => ({body: exporters[(request.url ?? '/').slice(1)]?.() ?? ''}));
});

const p95Source = (colour: string, window?: string): MetricSource => ({
	type: 'scrape',
	url: `${http.server.url}/${colour}`,
	metric: 'api_latency_seconds',
	aggregate: 'quantile',
	quantile: 0.95,
	scale: 1000,
	counts: 'requests',
	...(window ? {window} : {}),
});

const watch = async (options: {green: () => number[]; blue?: () => number[]; gates: Gate[]; duration: string; maxDuration?: string; window?: string}) => {
	exporters.green = exporter(options.green);
	if (options.blue) exporters.blue = exporter(options.blue);
	const step: WatchStep = {id: 'observe', title: 'beobachten', kind: 'watch', duration: options.duration, maxDuration: options.maxDuration, interval: '200ms', gates: options.gates};
	const recorded = recordingContext(step, {
		metrics: {p95: {title: 'p95 Latenz', unit: 'ms', green: p95Source('green', options.window), blue: options.blue ? p95Source('blue', options.window) : undefined}},
	});
	const result = await createWatchExecutor(createMetricReader())(recorded.context);
	return {result, samples: recorded.samples().filter((sample) => sample.colour === 'green'), lines: recorded.lines};
};

describe('enough evidence before a verdict (held-out exporter)', () => {
	it('given a noisy canary whose windows hold a handful of requests, one of them slow, then every sample is insufficient data and none a failure', async () => {
		let scrape = 0;
		const {result, samples} = await watch({
			// Two requests per scrape; every other scrape one of them takes 800 ms: its p95 is "800 ms".
			green: () => (scrape++ % 2 === 0 ? [20, 800] : [20, 25]),
			gates: [{metric: 'p95', max: 300}],
			duration: '1s',
			window: '1s',
		});
		expect(samples.length).toBeGreaterThanOrEqual(5);
		expect(samples.map((sample) => sample.verdict)).not.toContain('fail');
		expect(samples.every((sample) => sample.insufficient === true && (sample.count ?? 99) < 20)).toBe(true);
		// Blocks like an unknown outcome, saying what is missing: never a failure of green.
		expect(result.status).toBe('unknown');
		expect(result.reason).toMatch(/^too little evidence: p95 insufficient data: \d+ requests in [\d.]+ s, need 20$/);
	});

	it('given a sustained regression with enough requests per window, then it fails within two windows', async () => {
		const {result, samples} = await watch({green: () => spread(30, 400, 600), gates: [{metric: 'p95', max: 300, failureLimit: 1}], duration: '5s', window: '1s'});
		expect(samples.filter((sample) => sample.verdict === 'fail')).toHaveLength(2);
		expect(samples.length).toBeLessThanOrEqual(3);
		expect(result.reason).toMatch(/^p95 \d+ ms > 300 ms \(2 failed samples, 1 allowed\)$/);
	});

	it('given too few requests when the planned time is up, then the watch goes on until the window holds enough, and passes', async () => {
		const {result, samples, lines} = await watch({
			green: () => spread(5, 15, 30),
			gates: [{metric: 'p95', max: 300, minCount: 30, window: 'bake'}],
			duration: '400ms',
			maxDuration: '5s',
		});
		expect(result.status).toBe('passed');
		expect(samples.at(0)).toMatchObject({verdict: 'unknown', insufficient: true, count: 0, needed: 30});
		expect(samples.at(-1)).toMatchObject({verdict: 'pass', needed: 30});
		expect(samples.at(-1)?.count).toBeGreaterThanOrEqual(30);
		// The window is the whole watch: the count only grows.
		const counts = samples.map((sample) => sample.count ?? 0);
		expect(counts).toEqual([...counts].sort((a, b) => a - b));
		expect(lines.some((line) => /^waiting for evidence \(up to [\d.]+ s longer\): p95 insufficient data: \d+ requests in [\d.]+ s, need 30$/.test(line))).toBe(true);
	});

	it('given evidence that never arrives, then the watch stops at its limit with insufficient data, not a failure of the metric', async () => {
		const {result, samples} = await watch({green: () => [20], gates: [{metric: 'p95', max: 300, minCount: 100, window: 'bake'}], duration: '200ms', maxDuration: '600ms'});
		expect(samples.length).toBeLessThanOrEqual(5);
		expect(samples.map((sample) => sample.verdict)).not.toContain('fail');
		expect(result.status).toBe('unknown');
		expect(result.reason).toMatch(/^too little evidence: p95 insufficient data: \d requests in [\d.]+ s, need 100$/);
	});
});

describe('the end of the evidence limit', () => {
	it('given enough observations only at the last sample before the limit, then the pass still short of its streak is too little evidence, not a failure', async () => {
		// Ticks at 0, 200, 400 and 600 ms (the limit); each scrape brings 10 requests, so the window
		// since the bake began holds 0, 10, 20, 30: the gate's first pass comes at the last tick.
		const {result, samples} = await watch({
			green: () => spread(10, 15, 30),
			gates: [{metric: 'p95', max: 300, minCount: 30, samples: 2, window: 'bake'}],
			duration: '200ms',
			maxDuration: '600ms',
		});
		expect(samples.map((sample) => sample.verdict)).toEqual(['unknown', 'unknown', 'unknown', 'pass']);
		expect(result.status).toBe('unknown');
		expect(result.reason).toBe('too little evidence: p95 held for 1 of 2 consecutive samples');
	});

	it('given one gate short of evidence and another whose last sample failed within its limit, then the step fails naming the failing gate', async () => {
		const {result} = await watch({
			green: () => spread(10, 15, 30),
			gates: [
				{metric: 'p95', max: 300, minCount: 1000, window: 'bake'},
				{metric: 'p95', max: 10, failureLimit: 10},
			],
			duration: '400ms',
			window: '1s',
		});
		expect(result.status).toBe('failed');
		expect(result.reason).toMatch(/^p95 [\d.]+ ms > 10 ms \(\d+ failed samples, 10 allowed\)$/);
	});
});

describe('a source that hiccups', () => {
	it('given one failed scrape at the very end of a watch, then the gate is read again instead of blocking the release', async () => {
		let scrapes = 0;
		const latencies = exporter(() => spread(30, 15, 30));
		exporters.flaky = () => {
			scrapes += 1;
			return scrapes === 3 ? 'garbage{{{\n' : latencies();
		};
		const step: WatchStep = {id: 'observe', title: 'beobachten', kind: 'watch', duration: '400ms', interval: '200ms', gates: [{metric: 'p95', max: 300}]};
		const recorded = recordingContext(step, {metrics: {p95: {title: 'p95', unit: 'ms', green: p95Source('flaky')}}});
		const result = await createWatchExecutor(createMetricReader())(recorded.context);
		expect(recorded.samples().map((sample) => sample.verdict)).toEqual(['pass', 'pass', 'unknown', 'pass']);
		expect(result.status).toBe('passed');
	});

	it('given a source that stays unreadable, then it blocks after a few re-reads, naming why', async () => {
		exporters.broken = () => 'garbage{{{\n';
		const step: WatchStep = {id: 'observe', title: 'beobachten', kind: 'watch', duration: '200ms', interval: '200ms', gates: [{metric: 'p95', max: 300}]};
		const recorded = recordingContext(step, {metrics: {p95: {title: 'p95', unit: 'ms', green: p95Source('broken')}}});
		const result = await createWatchExecutor(createMetricReader())(recorded.context);
		expect(recorded.samples().length).toBeLessThanOrEqual(5);
		expect(result.reason).toMatch(/^p95 unknown: malformed exposition/);
	});
});

describe('green against blue over the same window (held-out exporter)', () => {
	it('given green like blue but with a slow burst, then p95 differs by far but the rank test finds no regression', async () => {
		let scrape = 0;
		const {result, samples} = await watch({
			green: () => [...spread(20, 12, 32), ...(scrape++ === 1 ? [90, 95, 99] : [])],
			blue: () => spread(30, 12, 32),
			gates: [{metric: 'p95', max: 300, maxRatioToBlue: 1.2, window: 'bake', minCount: 40}],
			duration: '800ms',
		});
		expect(result.status).toBe('passed');
		const last = samples.at(-1);
		expect(last?.comparison).toMatchObject({test: 'mann-whitney', significant: false, confidence: 0.95});
		expect(samples.some((sample) => (sample.comparison?.ratio ?? 0) > 1.2)).toBe(true);
	});

	it('given every green request 40 % slower than blue, then it fails beyond the ratio, significant at the stated confidence', async () => {
		const {result} = await watch({
			green: () => spread(20, 12 * 1.4, 32 * 1.4),
			blue: () => spread(30, 12, 32),
			gates: [{metric: 'p95', max: 300, maxRatioToBlue: 1.2, confidence: 0.99, window: 'bake', minCount: 40, failureLimit: 1}],
			duration: '2s',
		});
		expect(result.status).toBe('failed');
		expect(result.reason).toMatch(/^p95 [\d.]+ ms > 1\.20× blue \([\d.]+ ms\): green p95 \+\d+(\.\d)? % vs blue, significant at 99 % \(2 failed samples, 1 allowed\)$/);
	});
});
