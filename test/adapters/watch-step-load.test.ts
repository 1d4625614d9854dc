import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {createMetricReader} from '../../source/adapters/metrics/metric-reader.js';
import {readLoad} from '../../source/adapters/metrics/load-source.js';
import {createWatchExecutor} from '../../source/adapters/watch-step.js';
import type {WatchStep} from '../../source/runbook/schema.js';
import {recordingContext} from './metrics/recording-context.js';
import {startTextServer, type TextServer} from './metrics/text-server.js';

// A watch that drives its own synthetic load (autocannon, in a worker thread) at a real server,
// with the load's errors and latency read as metrics.

const openapi = path.resolve(import.meta.dirname, '..', '..', 'source', 'sandbox', 'api.openapi.yaml');
let server: TextServer;
/** Share of API requests the server answers with 500. */
let failing = 0;
let answered = 0;

beforeAll(async () => {
	server = await startTextServer();
	server.answer(() => {
		answered += 1;
		return failing > 0 && answered % Math.round(1 / failing) === 0
			? {status: 500, body: '{"error":"internal"}', contentType: 'application/json'}
			: {body: '{"rewards":[]}', contentType: 'application/json'};
	});
});
afterAll(async () => {
	await server.close();
});

const watchWithLoad = async (load: Partial<NonNullable<WatchStep['load']>> = {}, gates: WatchStep['gates'] = [{metric: 'syntheticErrors', max: 1, minCount: 20, window: 'bake'}]) => {
	const step: WatchStep = {
		id: 'observability',
		title: 'Green unter synthetischer Last beobachten',
		kind: 'watch',
		duration: '3s',
		maxDuration: '20s',
		interval: '500ms',
		load: {url: '{{greenUrl}}', openapi: '{{openapi}}', rate: 20, ...load},
		gates,
	};
	const recorded = recordingContext(step, {
		variables: {greenUrl: server.url, openapi, syntheticToken: 'test-tenant.valid-token'},
		metrics: {
			syntheticErrors: {title: 'Fehler der synthetischen Last', unit: '%', green: {type: 'load', stat: 'errors'}},
			syntheticP95: {title: 'p95 der synthetischen Last', unit: 'ms', green: {type: 'load', stat: 'p95'}},
		},
	});
	const before = server.requests.length;
	const result = await createWatchExecutor(createMetricReader())(recorded.context);
	return {result, recorded, requests: server.requests.slice(before)};
};

describe('a watch with synthetic load', () => {
	test('given a healthy target, then the load runs for the watch at about its rate, its errors gate holds, and the log shows its figures', async () => {
		failing = 0;
		const {result, recorded, requests} = await watchWithLoad({operations: ['listRewards', 'verifyToken'], bodies: {verifyToken: '{"token": "{{syntheticToken}}"}'}});
		expect(result.status, result.reason).toBe('passed');
		expect(recorded.lines[0]).toBe(`load: 20 requests/s over 10 connections to ${server.url} (autocannon): GET /v1/rewards, POST /v1/tokens/verify`);
		expect(recorded.lines.at(-1)).toMatch(/^load: \d+ requests in [\d.]+ s \([\d.]+\/s\) · p50 \d+ ms · p95 \d+ ms · p99 \d+ ms · 0 errors \(200 ×\d+\)$/);
		// Both operations, with the token from the runbook's variable, not the contract's example.
		expect(requests.some((request) => request.method === 'GET' && request.url === '/v1/rewards')).toBe(true);
		expect(requests.some((request) => request.method === 'POST' && request.url === '/v1/tokens/verify')).toBe(true);
		expect(requests.every((request) => request.headers['user-agent'] === 'greenlight-synthetic-load')).toBe(true);
		// Three seconds at 20/s, give or take a slow start on a busy machine; never a flood.
		expect(requests.length).toBeGreaterThanOrEqual(20);
		expect(requests.length).toBeLessThanOrEqual(20 * 25);
		const errors = recorded.samples().filter((sample) => sample.metric === 'syntheticErrors');
		expect(errors.at(-1)).toMatchObject({verdict: 'pass', value: 0});
	}, 60_000);

	test('given a target that answers a fifth of the requests with 500, then the errors gate fails with the share', async () => {
		failing = 0.2;
		const {result} = await watchWithLoad({operations: ['listRewards']});
		expect(result.status).toBe('failed');
		expect(result.reason).toMatch(/^syntheticErrors (1\d|2\d)(\.\d+)? % > 1 %/);
		failing = 0;
	}, 60_000);

	test('given a latency gate on the load, then its p95 is read from the answered requests with their count', async () => {
		failing = 0;
		const {result, recorded} = await watchWithLoad({operations: ['listRewards']}, [{metric: 'syntheticP95', max: 5_000, minCount: 20, window: 'bake'}]);
		expect(result.status, result.reason).toBe('passed');
		const last = recorded.samples().at(-1);
		expect(last?.value).toBeGreaterThan(0);
		expect(last?.count).toBeGreaterThanOrEqual(20);
	}, 60_000);

	test('given an operation the file lacks, then the watch fails before sampling, naming it', async () => {
		const {result, recorded} = await watchWithLoad({operations: ['listRewardz']});
		expect(result).toEqual({status: 'failed', reason: 'load: operation "listRewardz" is not in the OpenAPI file (operationIds: health, getTenantPoints, verifyToken, listRewards)'});
		expect(recorded.samples()).toEqual([]);
	}, 60_000);

	test('given a gate on the load in a step that drives none, then the metric is unknown and says why', () => {
		expect(readLoad({type: 'load', stat: 'p95'}, {variables: {}, env: {}})).toEqual({
			value: null,
			reason: 'no synthetic load runs in this step (a metric of type "load" reads the watch\'s own "load")',
		});
	});
});
