import http from 'node:http';
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import {Counter, Registry} from 'prom-client';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createMetricReader} from '../../source/adapters/metrics/metric-reader.js';
import {judgeSample} from '../../source/engine/gate.js';
import {loadRunbook} from '../../source/runbook/load.js';
import type {MetricSource, Runbook} from '../../source/runbook/schema.js';
import {startPrometheus, type PrometheusServer} from '../helpers/prometheus-server.js';

// The seed's production ratios (errors, tokenInvalid, greenShare) read by a real Prometheus from
// a real exporter on 127.0.0.1. A share over `status=~"5.."` is an empty vector when nothing
// failed; the seed writes `(… or vector(0)) / …`, so some requests and no 5xx read 0, and no
// requests at all read no data (unknown).

const APPS = {blue: 'lokaltreu-api', green: 'lokaltreu-api-green', quiet: 'lokaltreu-api-quiet', silent: 'lokaltreu-api-never-served'};

/** An app server counting its responses as Fly's proxy labels them, and its token verifications. */
const startExporter = async () => {
	const registry = new Registry();
	const responses = new Counter({name: 'fly_app_http_responses_count', help: 'Responses by app and status.', labelNames: ['app', 'status'], registers: [registry]});
	const verifications = new Counter({name: 'token_verifications_total', help: 'Token verifications.', labelNames: ['app', 'result'], registers: [registry]});
	// The quiet app has its series but serves nothing; the silent one never had a series at all.
	responses.inc({app: APPS.quiet, status: '200'}, 0);
	verifications.inc({app: APPS.quiet, result: 'valid'}, 0);
	const server = http.createServer((request, response) => {
		const [, app = '', status = '200'] = (request.url ?? '/').split('/');
		if (app === 'metrics') {
			void registry.metrics().then((text) => {
				response.writeHead(200, {'content-type': registry.contentType});
				response.end(text);
			});
			return;
		}
		responses.inc({app, status});
		verifications.inc({app, result: status === '401' ? 'invalid' : 'valid'});
		response.writeHead(Number(status));
		response.end();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	// Green: only 200s. Blue: one 503 in every ten responses.
	const served = [...Array(4).fill(`${APPS.green}/200`), ...Array(9).fill(`${APPS.blue}/200`), `${APPS.blue}/503`] as string[];
	const traffic = setInterval(() => {
		for (const target of served) void fetch(`${base}/${target}`).then((answer) => answer.arrayBuffer(), () => undefined);
	}, 50);
	return {
		hostPort: base.replace('http://', ''),
		stop: () =>
			new Promise<void>((resolve) => {
				clearInterval(traffic);
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
};

let exporter: Awaited<ReturnType<typeof startExporter>>;
let prometheus: PrometheusServer;
let runbook: Runbook;
const reader = createMetricReader();

/** A seed production source, pointed at the local Prometheus (no token: it is no Fly). */
const seedSource = (metric: string, colour: 'green' | 'blue'): MetricSource => {
	const source = runbook.metrics[metric]?.[colour];
	if (source?.type !== 'prometheus') throw new Error(`the seed's ${metric}.${colour} is not a prometheus source`);
	const {tokenEnv: _token, ...local} = source;
	return {...local, url: prometheus.url};
};

const read = (metric: string, colour: 'green' | 'blue', apps: {app?: string; greenApp?: string}) =>
	reader.read(seedSource(metric, colour), {variables: {app: APPS.blue, greenApp: APPS.green, ...apps, window: '10s'}, env: {}});

beforeAll(async () => {
	const loaded = await loadRunbook(path.resolve(import.meta.dirname, '../../runbook.json'));
	if (!loaded.ok) throw new Error('runbook.json does not load');
	runbook = loaded.loaded.runbook;
	exporter = await startExporter();
	prometheus = await startPrometheus([exporter.hostPort]);
	await prometheus.waitForTargetsUp();
	// rate() needs two scrapes inside its range: wait until blue's error share is a number.
	const deadline = Date.now() + 20_000;
	while ((await read('errors', 'blue', {})).value === null) {
		if (Date.now() > deadline) throw new Error('Prometheus never answered the errors query for blue with a value');
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}, 60_000);

afterAll(async () => {
	await prometheus?.stop();
	await exporter?.stop();
});

describe('the seed\'s ratio queries against a real Prometheus', () => {
	it('given requests and no 5xx, then the error share is 0 — a value the gate judges — not "no data"', async () => {
		const reading = await read('errors', 'green', {});
		expect(reading.value).toBe(0);
		expect(reading.evidence?.count).toBeGreaterThan(0);
		expect(reading.evidence?.hits).toBe(0);
		expect(judgeSample({metric: 'errors', max: 1}, reading, undefined, '%').verdict).toBe('pass');
	});

	it('given one 503 in ten responses, then the error share is 10 %', async () => {
		const reading = await read('errors', 'blue', {});
		expect(reading.value).toBeCloseTo(10, 0);
	});

	it('given the same PromQL without "or vector(0)", then no 5xx would read as no data', async () => {
		const source = seedSource('errors', 'green');
		if (source.type !== 'prometheus') throw new Error('unreachable');
		const bare = {...source, query: source.query.replace(/\((sum\(rate\([^)]*status=~[^)]*\)\)) or vector\(0\)\)/, '$1')};
		expect(bare.query).not.toContain('vector(0)');
		const reading = await reader.read(bare, {variables: {greenApp: APPS.green, window: '10s'}, env: {}});
		expect(reading.value).toBeNull();
		expect(reading.reason).toMatch(/^no data for 100 \* sum\(rate\(fly_app_http_responses_count\{app="lokaltreu-api-green", status=~"5\.\."\}/);
	});

	it('given an app that never served a request, then the share is unknown with the reason shown, and the gate blocks on the count', async () => {
		const reading = await read('errors', 'green', {greenApp: APPS.silent});
		expect(reading.value).toBeNull();
		expect(reading.reason).toBe(`no data for ${seedQuery('errors', 'green', APPS.silent)}`);
		expect(reading.evidence?.count).toBe(0);
		const judged = judgeSample({metric: 'errors', max: 1}, reading, undefined, '%');
		expect(judged).toMatchObject({verdict: 'unknown', insufficient: true, reason: 'insufficient data: 0 requests, need 1'});
	});

	it('given an app whose series exist but did not move in the window, then the share is unknown too (0 of 0 is NaN)', async () => {
		const reading = await read('errors', 'green', {greenApp: APPS.quiet});
		expect(reading).toMatchObject({value: null, reason: expect.stringMatching(/ is NaN$/)});
	});

	it('given token verifications without an invalid one, then rate_token_invalid is 0; none at all is unknown', async () => {
		expect((await read('tokenInvalid', 'green', {})).value).toBe(0);
		expect((await read('tokenInvalid', 'green', {greenApp: APPS.silent})).value).toBeNull();
	});

	it('given green serves nothing while blue does, then green\'s share is 0 %; with no traffic on blue either, it is unknown', async () => {
		expect((await read('greenShare', 'green', {greenApp: APPS.silent})).value).toBe(0);
		const nothing = await read('greenShare', 'green', {greenApp: APPS.silent, app: APPS.silent});
		expect(nothing).toMatchObject({value: null, reason: expect.stringMatching(/^no data for /)});
	});
});

const seedQuery = (metric: string, colour: 'green' | 'blue', greenApp: string): string => {
	const source = seedSource(metric, colour);
	return source.type === 'prometheus' ? source.query.replaceAll('{{greenApp}}', greenApp).replaceAll('{{window}}', '10s') : '';
};
