import {existsSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {createMetricReader} from '../../../source/adapters/metrics/metric-reader.js';
import {probeMetricSource, type PlannedSource} from '../../../source/adapters/preflight/metric-probe.js';
import {textServerForTests} from '../metrics/text-server.js';

const served = textServerForTests();
const reader = createMetricReader();
const context = {variables: {window: '300s'}, env: {}, window: {ms: 300_000}};
const json = (body: unknown, status = 200) => ({status, body: JSON.stringify(body), contentType: 'application/json'});
const vector = (...values: string[]) => json({status: 'success', data: {resultType: 'vector', result: values.map((value) => ({metric: {}, value: [1700000000, value]}))}});

const prometheus = (colour: 'green' | 'blue'): PlannedSource => ({metric: 'errors', colour, unit: '%', source: {type: 'prometheus', url: served.server.url, query: 'q'}});

describe('a metric source in preflight', () => {
	it('given a number, then it passes showing the value with its unit', async () => {
		served.server.answer(vector('0.5'));
		expect((await probeMetricSource(prometheus('blue'), context, reader)).check).toEqual({status: 'passed', subject: 'metric errors blue', detail: '0.50 %'});
	});

	it('given an empty vector, then green passes (no traffic before its deploy) and blue fails: blue serves production', async () => {
		served.server.answer(vector());
		const green = await probeMetricSource(prometheus('green'), context, reader);
		expect(green).toEqual({check: {status: 'passed', subject: 'metric errors green', detail: 'answers, no data yet (no data for q): expected while green takes no traffic'}, noData: true});
		const blue = await probeMetricSource(prometheus('blue'), context, reader);
		expect(blue.check.status).toBe('failed');
		expect(blue.check.detail).toMatch(/^answers, but no data \(no data for q\): blue serves production/);
	});

	it('given bad PromQL or several series, then even green fails: the query needs changing', async () => {
		served.server.answer(json({status: 'error', errorType: 'bad_data', error: 'parse error at char 4'}, 400));
		expect((await probeMetricSource(prometheus('green'), context, reader)).check).toEqual({status: 'failed', subject: 'metric errors green', detail: 'Prometheus 400: parse error at char 4'});
		served.server.answer(vector('1', '2'));
		expect((await probeMetricSource(prometheus('green'), context, reader)).check.detail).toBe('query returned 2 series, expected 1');
	});

	it('given an exporter answering garbage, then the scrape source fails; a command source is not run', async () => {
		served.server.answer({body: 'http_requests_total{le="0.1" 12\n'});
		const scrape: PlannedSource = {metric: 'p95', colour: 'green', source: {type: 'scrape', url: served.server.url, metric: 'http_requests', aggregate: 'rate'}};
		expect((await probeMetricSource(scrape, context, reader)).check.status).toBe('failed');
		const marker = path.join(os.tmpdir(), `greenlight-preflight-ran-${process.pid}`);
		const command: PlannedSource = {metric: 'cost', colour: 'blue', source: {type: 'command', run: ['touch', marker]}};
		expect((await probeMetricSource(command, context, reader)).check).toMatchObject({status: 'skipped', detail: expect.stringMatching(/^a command source: preflight runs no command/)});
		expect(existsSync(marker)).toBe(false);
	});
});
