import {describe, expect, test} from 'vitest';
import {createLoadRecord, describeLoadWindow, latencyQuantile} from '../../../source/adapters/load/load-record.js';

// What a synthetic load saw, over any window: requests, errors and latency quantiles.

describe('the load record', () => {
	test('latency quantiles are by nearest rank: the smallest latency with at least q of them at or below it', () => {
		const latencies = Array.from({length: 100}, (_, index) => index + 1);
		expect(latencyQuantile(latencies, 0.5)).toBe(50);
		expect(latencyQuantile(latencies, 0.95)).toBe(95);
		expect(latencyQuantile(latencies, 0.99)).toBe(99);
		expect(latencyQuantile([7], 0.99)).toBe(7);
		expect(latencyQuantile([], 0.5)).toBeNull();
	});

	test('given answers and failures, then errors are 5xx answers and requests without an answer; 4xx are answers', () => {
		const record = createLoadRecord(1_000);
		record.add([
			{ts: 1_100, ms: 20, status: 200},
			{ts: 1_200, ms: 30, status: 404},
			{ts: 1_300, ms: 40, status: 500},
			{ts: 1_400, ms: null, status: 0},
		]);
		expect(record.window({}, 2_000)).toEqual({
			requests: 4,
			errors: 2,
			latencies: [20, 30, 40],
			statuses: {'200': 1, '404': 1, '500': 1, 'no answer': 1},
			windowMs: 1_000,
		});
	});

	test('a window counts only the requests that ended in it: since a moment, or the last span', () => {
		const record = createLoadRecord(0);
		record.add([10, 20, 30, 40].map((ts) => ({ts: ts * 100, ms: ts, status: 200})));
		expect(record.window({since: 2_500}, 5_000)).toMatchObject({requests: 2, latencies: [30, 40], windowMs: 2_500});
		expect(record.window({ms: 1_500}, 4_200)).toMatchObject({requests: 2, latencies: [30, 40], windowMs: 1_500});
	});

	test('a window never reaches back before the load began', () => {
		expect(createLoadRecord(10_000).window({ms: 60_000}, 12_000).windowMs).toBe(2_000);
	});

	test('the log line says how much was sent, the quantiles and the answers by status', () => {
		const record = createLoadRecord(0);
		record.add([...Array.from({length: 19}, (_, index) => ({ts: 100 + index, ms: 20, status: 200})), {ts: 500, ms: null, status: 0}]);
		expect(describeLoadWindow(record.window({}, 2_000))).toBe('20 requests in 2.0 s (10.0/s) · p50 20 ms · p95 20 ms · p99 20 ms · 1 error (200 ×19, no answer ×1)');
	});
});
