import http from 'node:http';
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import {Counter, Registry} from 'prom-client';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {createMetricReader} from '../../source/adapters/metrics/metric-reader.js';
import {createTrafficExecutor} from '../../source/adapters/traffic-step.js';
import {plainLines} from '../../source/cli/event-printer.js';
import type {EngineEvent} from '../../source/engine/events.js';
import {reduce} from '../../source/engine/reduce.js';
import {initialState} from '../../source/engine/state.js';
import {loadRunbook} from '../../source/runbook/load.js';
import {resolveMetrics} from '../../source/runbook/resolve.js';
import type {Runbook, TrafficStep} from '../../source/runbook/schema.js';
import {stepBlock} from '../../source/ui/step-lines.js';
import {recordingContext} from '../adapters/metrics/recording-context.js';
import {eventsOf} from '../../source/adapters/step-context.js';
import {startPrometheus, type PrometheusServer} from '../helpers/prometheus-server.js';

// The committed runbook's traffic switch as production runs it (--target production): the share
// gate reads green's responses against both apps' from a real Prometheus, with the very PromQL of
// runbook.json, over each weight's bake. Only Fly is stood in for: an exporter of
// fly_app_http_responses_count whose split the test decides (Fly's proxy sending most requests to
// green), and a lever that merely prints.

const FLY_PROMETHEUS = '{{prometheusUrl}}';
const REQUESTS_PER_TICK = 8;
const TICK_MS = 40;

/** Fly's proxy metrics for both apps: every tick some requests, each answered by green with the chance the test sets. */
const startFlyProxyMetrics = async () => {
	const registry = new Registry();
	const responses = new Counter({name: 'fly_app_http_responses_count', help: 'Responses by app.', labelNames: ['app', 'status'], registers: [registry]});
	let greenChance = 0;
	const traffic = setInterval(() => {
		for (let index = 0; index < REQUESTS_PER_TICK; index += 1) {
			responses.inc({app: Math.random() < greenChance ? 'lokaltreu-api-green' : 'lokaltreu-api', status: '200'});
		}
	}, TICK_MS);
	const server = http.createServer((_request, response) => {
		void registry.metrics().then((text) => {
			response.writeHead(200, {'content-type': registry.contentType});
			response.end(text);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		hostPort: `127.0.0.1:${(server.address() as AddressInfo).port}`,
		route: (chance: number) => {
			greenChance = chance;
		},
		stop: () =>
			new Promise<void>((resolve) => {
				clearInterval(traffic);
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
};

let fly: Awaited<ReturnType<typeof startFlyProxyMetrics>>;
let prometheus: PrometheusServer;
let runbook: Runbook;

beforeAll(async () => {
	const loaded = await loadRunbook(path.resolve(import.meta.dirname, '..', '..', 'runbook.json'));
	if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
	runbook = loaded.loaded.runbook;
	fly = await startFlyProxyMetrics();
	prometheus = await startPrometheus([fly.hostPort]);
	await prometheus.waitForTargetsUp();
}, 60_000);

afterAll(async () => {
	await prometheus?.stop();
	await fly?.stop();
});

/**
 * The seed's first traffic step with production's metrics, Prometheus' address swapped for the
 * local one, its lever a stand-in; its own latency and error gates are left out (their series are
 * not part of this check), the share gate is the runbook's.
 */
const switchAsInProduction = async (shareAt: (weight: number) => number) => {
	const phase = runbook.phases.find((entry) => entry.id === 'traffic-switch');
	const original = phase?.steps.find((step) => step.id === 'traffic-erhoehen') as TrafficStep;
	expect(original.share).toEqual({metric: 'greenShare', tolerance: 10, minCount: 200, samples: 2, failureLimit: 1});
	const step: TrafficStep = {...original, gates: [], run: [process.execPath, '-e', 'console.log(`green ≈ ${process.argv[1]}%`)', '{{weight}}']};
	const production = resolveMetrics(runbook, 'production');
	const greenShare = production.greenShare;
	expect(greenShare?.green.type === 'prometheus' && greenShare.green.url).toBe(FLY_PROMETHEUS);
	const local = {...greenShare!, green: {...greenShare!.green, url: prometheus.url}};
	const variables = Object.fromEntries(Object.entries(runbook.variables).map(([name, variable]) => [name, variable.default ?? '']));
	const recorded = recordingContext(step, {speed: 20, variables, metrics: {greenShare: local}, env: {FLY_API_TOKEN: 'FlyV1 fm2_production-shaped'}});
	recorded.context.phase = 'traffic-switch';
	const emit = recorded.context.emit;
	recorded.context.emit = (input) => {
		for (const event of eventsOf(input)) if (event.type === 'traffic-shifted') fly.route(shareAt(event.weight) / 100);
		emit(input);
	};
	const result = await createTrafficExecutor(createMetricReader())(recorded.context);
	// The screen and the plain output, from the same events the driver would journal.
	const shown: Runbook = {...runbook, phases: runbook.phases.map((entry) => (entry.id === 'traffic-switch' ? {...entry, steps: [step]} : entry))};
	let ts = Date.now() - 60_000;
	const events = recorded.events.map((event) => ({...event, ts: (ts += 10)}) as EngineEvent);
	const started = {type: 'step-started', phase: 'traffic-switch', step: step.id, attempt: 1, ts: (ts += 10)} as EngineEvent;
	const finished = {type: 'step-finished', phase: 'traffic-switch', step: step.id, status: result.status, reason: result.reason, durationMs: 1, ts: (ts += 10)} as EngineEvent;
	const state = [started, ...events, finished].reduce(reduce, initialState(shown));
	const switchPhase = state.phases.find((entry) => entry.id === 'traffic-switch')!;
	const screen = stepBlock(switchPhase, 0, true, {state, now: ts, speed: 20, role: 'driver'});
	const plain = events.flatMap(plainLines);
	return {result, screen: [screen.main, ...screen.details].map((line) => line.text), plain};
};

describe('the share gate of runbook.json against a real Prometheus, as in production', () => {
	test('given Fly\'s proxy sending most requests to green at weight 20, then the first weight fails with the measured share on screen', async () => {
		const {result, screen, plain} = await switchAsInProduction((weight) => (weight === 20 ? 80 : weight));
		expect(result.status).toBe('failed');
		const reason = /^at 20%: measured (\d+(?:\.\d)?) % on green, weight 20 % ± 10: greenShare \1 % > 30 %/.exec(result.reason ?? '');
		expect(reason, result.reason).not.toBeNull();
		expect(Number(reason?.[1])).toBeGreaterThan(60);
		expect(screen.join('\n')).toMatch(/weight 20 % \(1\/2\) · measured [6-9]\d %/);
		expect(screen.join('\n')).toContain(result.reason);
		expect(plain.some((line) => /gate greenShare at 20%: weight 20 % · measured [6-9][\d.]+ % over \d+ of 200 needed ✗ fail \(≥ 10 %, ≤ 30 %\)/.test(line))).toBe(true);
	}, 120_000);

	test('given green served about its weight, then both weights hold on the same queries', async () => {
		const {result, screen} = await switchAsInProduction((weight) => weight);
		expect(result, JSON.stringify(result)).toEqual({status: 'passed', reason: '50% on green; gates held at 20/50%'});
		expect(screen.join('\n')).toMatch(/measured (4\d|5\d|60) %/);
	}, 120_000);
});
