import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {Histogram, Registry} from 'prom-client';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createMetricReader} from '../../source/adapters/metrics/metric-reader.js';
import {createWatchExecutor} from '../../source/adapters/watch-step.js';
import type {MetricSource, WatchStep} from '../../source/runbook/schema.js';
import {recordingContext} from '../adapters/metrics/recording-context.js';
import {startPrometheus, type PrometheusServer} from '../helpers/prometheus-server.js';

// Latencies in seconds observed together every tick, so every window holds the same mix.
// calm: 10 × 80 ms, 6 × 150 ms, 4 × 250 ms → p95 = 0.2 + 0.1 × 3/4 = 275 ms.
const calm = [...Array(10).fill(0.08), ...Array(6).fill(0.15), ...Array(4).fill(0.25)] as number[];
// slow: 10 × 80 ms, 5 × 150 ms, 2 × 250 ms, 3 × 450 ms → p95 = 0.3 + 0.2 × 2/3 ≈ 433 ms.
const slow = [...Array(10).fill(0.08), ...Array(5).fill(0.15), ...Array(2).fill(0.25), ...Array(3).fill(0.45)] as number[];

/** A real service instrumented with prom-client whose request latencies the test decides. */
const startInstrumentedService = async () => {
	const registry = new Registry();
	const latency = new Histogram({
		name: 'demo_request_duration_seconds',
		help: 'Request latency.',
		buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 1],
		registers: [registry],
	});
	let batch = calm;
	const traffic = setInterval(() => {
		for (const seconds of batch) latency.observe(seconds);
	}, 20);
	const server = http.createServer((request, response) => {
		void registry.metrics().then((text) => {
			response.writeHead(200, {'content-type': registry.contentType});
			response.end(text);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	return {
		hostPort: `127.0.0.1:${port}`,
		serve: (latencies: number[]) => {
			batch = latencies;
		},
		stop: () =>
			new Promise<void>((resolve) => {
				clearInterval(traffic);
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
};

const P95_QUERY = 'histogram_quantile(0.95, sum by (le) (rate(demo_request_duration_seconds_bucket[30s]))) * 1000';

let service: Awaited<ReturnType<typeof startInstrumentedService>>;
let prometheus: PrometheusServer;
const reader = createMetricReader();
const context = {variables: {}, env: {}};

const promql = (query: string): MetricSource => ({type: 'prometheus', url: prometheus.url, query, timeout: '2s'});

const watchP95 = (duration: string) => {
	const step: WatchStep = {
		id: 'observe',
		title: 'p95 beobachten',
		kind: 'watch',
		duration,
		interval: '500ms',
		gates: [{metric: 'p95', max: 300, samples: 2}],
	};
	const recorded = recordingContext(step, {metrics: {p95: {title: 'p95 Latenz', unit: 'ms', green: promql(P95_QUERY)}}});
	return {recorded, run: () => createWatchExecutor(reader)(recorded.context)};
};

beforeAll(async () => {
	service = await startInstrumentedService();
	prometheus = await startPrometheus([service.hostPort]);
	await prometheus.waitForTargetsUp();
	// rate() needs two scrapes inside its range before the query has data.
	const deadline = Date.now() + 20_000;
	while ((await reader.read(promql(P95_QUERY), context)).value === null) {
		if (Date.now() > deadline) throw new Error('Prometheus never answered the p95 query with a value');
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}, 60_000);

afterAll(async () => {
	await prometheus?.stop();
	await service?.stop();
});

describe('against a real Prometheus scraping a real instrumented service', () => {
	it('given p95 under the threshold, then a watch gated by PromQL passes', async () => {
		const {recorded, run} = watchP95('1s');
		const result = await run();
		expect(result.status).toBe('passed');
		const values = recorded.samples().map((sample) => sample.value);
		expect(values.length).toBeGreaterThanOrEqual(3);
		for (const value of values) expect(value).toBeCloseTo(275, 0);
		expect(recorded.lines[0]).toMatch(/^p95 green 275(\.0)? ms ✓ ≤ 300 ms$/);
	});

	it('given the same endpoint, then the scrape quantile matches Prometheus\' own histogram_quantile within 1%', async () => {
		const scrape: MetricSource = {
			type: 'scrape',
			url: `http://${service.hostPort}/metrics`,
			metric: 'demo_request_duration_seconds',
			aggregate: 'quantile',
			quantile: 0.95,
			window: '30s',
			scale: 1000,
		};
		const scrapeReader = createMetricReader();
		await scrapeReader.read(scrape, context);
		await new Promise((resolve) => setTimeout(resolve, 1500));
		const ours = await scrapeReader.read(scrape, context);
		const theirs = await reader.read(promql(P95_QUERY), context);
		expect(ours.value).not.toBeNull();
		expect(theirs.value).not.toBeNull();
		expect(Math.abs((ours.value as number) - (theirs.value as number)) / (theirs.value as number)).toBeLessThan(0.01);
	});

	it('given PromQL that yields NaN, nothing, several series or a syntax error, then each is unknown with Prometheus\' reason', async () => {
		expect(await reader.read(promql('0/0'), context)).toEqual({value: null, reason: '0/0 is NaN'});
		expect(await reader.read(promql('demo_absent_metric'), context)).toEqual({value: null, reason: 'no data for demo_absent_metric'});
		expect((await reader.read(promql('up or vector(1)'), context)).reason).toBe('query returned 2 series, expected 1');
		const broken = await reader.read(promql('sum(rate(demo_request_duration_seconds_count[1m])'), context);
		expect(broken.value).toBeNull();
		expect(broken.reason).toMatch(/^Prometheus 400: .*parse error/);
	});

	it('given p95 above the threshold, then the watch fails naming metric, value and threshold', async () => {
		service.serve(slow);
		const {recorded, run} = watchP95('60s');
		const result = await run();
		expect(result.status).toBe('failed');
		const match = /^p95 (\d+(?:\.\d+)?) ms > 300 ms$/.exec(result.reason ?? '');
		expect(match, result.reason).not.toBeNull();
		expect(Number(match?.[1])).toBeGreaterThan(300);
		expect(recorded.samples().at(-1)?.verdict).toBe('fail');
	}, 60_000);

	it('given Prometheus is stopped, then the gate is unknown and the watch fails closed', async () => {
		await prometheus.stop();
		const {recorded, run} = watchP95('1s');
		const result = await run();
		expect(result.status).toBe('failed');
		expect(result.reason).toMatch(/^p95 unknown: cannot connect to 127\.0\.0\.1:\d+ \(connection refused\)$/);
		expect(recorded.samples().length).toBeGreaterThanOrEqual(3);
		expect(recorded.samples().every((sample) => sample.verdict === 'unknown' && sample.value === null)).toBe(true);
	});
});
