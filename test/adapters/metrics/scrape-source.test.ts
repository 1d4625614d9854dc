import net from 'node:net';
import {describe, expect, it} from 'vitest';
import {createMetricReader} from '../../../source/adapters/metrics/metric-reader.js';
import type {MetricSource} from '../../../source/runbook/schema.js';
import {textServerForTests} from './text-server.js';

const histogram = (name: string, counts: Record<string, number>, labels = ''): string =>
	[
		`# HELP ${name} Request latency.`,
		`# TYPE ${name} histogram`,
		...Object.entries(counts).map(([le, count]) => `${name}_bucket{${labels ? `${labels},` : ''}le="${le}"} ${count}`),
		`${name}_sum${labels ? `{${labels}}` : ''} 1`,
		`${name}_count${labels ? `{${labels}}` : ''} ${counts['+Inf'] ?? 0}`,
		'',
	].join('\n');

const counter = (name: string, series: Array<[string, number]>): string =>
	[`# TYPE ${name} counter`, ...series.map(([labels, value]) => `${name}${labels ? `{${labels}}` : ''} ${value}`), ''].join('\n');

const context = {variables: {}, env: {}};

const served = textServerForTests();

/** A reader with a clock the test moves, and a source over the test served.server. */
const setup = (source: Omit<Extract<MetricSource, {type: 'scrape'}>, 'type' | 'url'>) => {
	let now = 1_000_000;
	const reader = createMetricReader(() => now);
	const full: MetricSource = {type: 'scrape', url: `${served.server.url}/metrics`, ...source};
	return {
		read: async (body: string, atSeconds: number) => {
			now = 1_000_000 + atSeconds * 1000;
			served.server.answer({body});
			return reader.read(full, context);
		},
	};
};

describe('scrape source: histogram quantiles', () => {
	it('given two scrapes in the window, then the quantile is taken over the bucket increases between them', async () => {
		const p95 = setup({metric: 'http_latency_seconds', aggregate: 'quantile', quantile: 0.95, scale: 1000});
		await p95.read(histogram('http_latency_seconds', {'0.1': 100, '0.2': 150, '0.3': 200, '+Inf': 200}), 0);
		// Increases 10 / 16 / 20 / 20: rank 19 → 0.2 + 0.1 × 3/4 = 275 ms (cumulative would say 260 ms).
		const reading = await p95.read(histogram('http_latency_seconds', {'0.1': 110, '0.2': 166, '0.3': 220, '+Inf': 220}), 5);
		expect(reading.value).toBeCloseTo(275, 9);
	});

	it('given the first scrape only, then the counts since the process started give a value at once', async () => {
		const p95 = setup({metric: 'http_latency_seconds', aggregate: 'quantile', quantile: 0.95, scale: 1000});
		const reading = await p95.read(histogram('http_latency_seconds', {'0.1': 10, '0.2': 16, '0.3': 20, '+Inf': 20}), 0);
		expect(reading.value).toBeCloseTo(275, 9);
	});

	it('given a labelled histogram, then series are filtered by exact labels and summed by le', async () => {
		const body =
			histogram('lat', {'0.1': 10, '0.2': 10, '+Inf': 10}, 'route="a"') +
			histogram('lat', {'0.1': 0, '0.2': 10, '+Inf': 10}, 'route="b"').replace(/^# .*\n/gm, '');
		const both = setup({metric: 'lat', aggregate: 'quantile', quantile: 0.5});
		// Summed: 10 ≤ 0.1, 20 ≤ 0.2: rank 10 → exactly the first bucket's bound.
		expect((await both.read(body, 0)).value).toBeCloseTo(0.1, 12);
		const onlyB = setup({metric: 'lat', aggregate: 'quantile', quantile: 0.5, labels: {route: 'b'}});
		// Only b: none ≤ 0.1, 10 ≤ 0.2: rank 5 → 0.1 + 0.1 × 5/10.
		expect((await onlyB.read(body, 0)).value).toBeCloseTo(0.15, 12);
	});

	it('given no observation in the window, then the quantile is unknown, not zero', async () => {
		const p95 = setup({metric: 'lat', aggregate: 'quantile', quantile: 0.95});
		const same = histogram('lat', {'0.1': 5, '+Inf': 5});
		await p95.read(same, 0);
		const reading = await p95.read(same, 5);
		expect(reading.value).toBeNull();
		expect(reading.reason).toMatch(/no observations of lat in the last 1m/);
	});

	it('given scrapes older than the window, then they drop out of it', async () => {
		const p50 = setup({metric: 'lat', aggregate: 'quantile', quantile: 0.5, window: '1m'});
		await p50.read(histogram('lat', {'0.1': 0, '0.2': 0, '+Inf': 0}), 0);
		await p50.read(histogram('lat', {'0.1': 100, '0.2': 100, '+Inf': 100}), 30);
		// Between 30 s and 90 s only slow requests arrived; the fast ones of the first 30 s are out of the window.
		const reading = await p50.read(histogram('lat', {'0.1': 100, '0.2': 200, '+Inf': 200}), 90);
		expect(reading.value).toBeCloseTo(0.15, 12);
	});
});

describe('scrape source: counter rates and ratios', () => {
	it('given a counter that restarted, then the drop counts as a restart from zero', async () => {
		const rate = setup({metric: 'requests_total', aggregate: 'rate'});
		await rate.read(counter('requests_total', [['', 100]]), 0);
		await rate.read(counter('requests_total', [['', 150]]), 10);
		// 100 → 150 is +50; 150 → 30 is a restart: +30. 80 over 20 s.
		const reading = await rate.read(counter('requests_total', [['', 30]]), 20);
		expect(reading.value).toBeCloseTo(4, 12);
	});

	it('given an OpenMetrics counter family without the _total suffix, then its _total samples are read', async () => {
		const rate = setup({metric: 'requests', aggregate: 'rate'});
		await rate.read(counter('requests', []) + 'requests_total 10\n', 0);
		expect((await rate.read(counter('requests', []) + 'requests_total 30\n', 4)).value).toBeCloseTo(5, 12);
	});

	it('given one scrape and the process start time, then the rate is taken since the process started', async () => {
		const rate = setup({metric: 'requests_total', aggregate: 'rate'});
		const start = (1_000_000 - 20_000) / 1000;
		const body = `${counter('requests_total', [['', 60]])}# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds ${start}\n`;
		expect((await rate.read(body, 0)).value).toBeCloseTo(3, 9);
		const noStart = setup({metric: 'requests_total', aggregate: 'rate'});
		expect((await noStart.read(counter('requests_total', [['', 60]]), 0)).reason).toMatch(/needs a second scrape/);
	});

	it('given a 5xx series that appears between scrapes, then the error ratio counts it from zero', async () => {
		const errors = setup({metric: 'http_requests_total', aggregate: 'ratio', ratioOf: {labels: {status: '500'}}, scale: 100});
		await errors.read(counter('http_requests_total', [['status="200"', 100]]), 0);
		const body = counter('http_requests_total', [
			['status="200"', 190],
			['status="500"', 10],
		]);
		// 10 errors of 100 requests in the window.
		expect((await errors.read(body, 5)).value).toBeCloseTo(10, 9);
	});

	it('given no requests at all, then the ratio is unknown because there is no traffic', async () => {
		const errors = setup({metric: 'http_requests_total', aggregate: 'ratio', ratioOf: {labels: {status: '500'}}});
		const idle = counter('http_requests_total', [['status="200"', 7]]);
		await errors.read(idle, 0);
		const reading = await errors.read(idle, 5);
		expect(reading).toEqual({value: null, reason: expect.stringMatching(/^no traffic/), evidence: {count: 0, hits: 0, windowMs: 5000}});
	});
});

describe('scrape source: gauges and bad answers', () => {
	it('given matching gauge series, then their values are summed; given none, then unknown', async () => {
		const gauge = setup({metric: 'inflight', aggregate: 'gauge'});
		const body = '# TYPE inflight gauge\ninflight{pod="a"} 2\ninflight{pod="b"} 3.5\n';
		expect((await gauge.read(body, 0)).value).toBe(5.5);
		const missing = setup({metric: 'absent', aggregate: 'gauge'});
		expect((await missing.read(body, 0)).reason).toMatch(/no series absent in the scrape/);
	});

	it('given a NaN gauge, then the reading is unknown', async () => {
		const gauge = setup({metric: 'ratio', aggregate: 'gauge'});
		expect(await gauge.read('ratio NaN\n', 0)).toEqual({value: null, reason: 'ratio is NaN'});
	});

	it('given a malformed exposition, then the reading is unknown with the parser message', async () => {
		const gauge = setup({metric: 'up', aggregate: 'gauge'});
		const reading = await gauge.read('up{job="x" 1\n', 0);
		expect(reading.value).toBeNull();
		expect(reading.reason).toBe('malformed exposition: expected a label name or "}" in line 1: up{job="x" 1');
		expect((await gauge.read('up one\n', 1)).reason).toMatch(/malformed exposition: up has value "one"/);
	});

	it('given HTTP 500, a refused connection or a slow endpoint, then unknown with a short reason', async () => {
		served.server.answer({status: 500, body: 'boom'});
		const reader = createMetricReader();
		const source: MetricSource = {type: 'scrape', url: `${served.server.url}/metrics`, metric: 'up', aggregate: 'gauge', timeout: '300ms'};
		expect((await reader.read(source, context)).reason).toBe(`HTTP 500 from ${served.server.url}/metrics`);

		const closedPort = await new Promise<number>((resolve) => {
			const probe = net.createServer().listen(0, '127.0.0.1', () => {
				const {port} = probe.address() as net.AddressInfo;
				probe.close(() => resolve(port));
			});
		});
		const refused = await reader.read({...source, url: `http://127.0.0.1:${closedPort}/metrics`}, context);
		expect(refused.reason).toBe(`cannot connect to 127.0.0.1:${closedPort} (connection refused)`);

		served.server.answer({body: 'up 1\n', delayMs: 3000});
		const started = Date.now();
		const slow = await reader.read(source, context);
		expect(slow).toEqual({value: null, reason: expect.stringMatching(/no answer from 127\.0\.0\.1:\d+ within 300 ms/)});
		expect(Date.now() - started).toBeLessThan(2000);
	});
});
