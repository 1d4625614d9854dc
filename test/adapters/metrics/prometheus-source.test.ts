import {describe, expect, it} from 'vitest';
import {createMetricReader} from '../../../source/adapters/metrics/metric-reader.js';
import {queryRange} from '../../../source/adapters/metrics/prometheus-source.js';
import type {MetricSource} from '../../../source/runbook/schema.js';
import {textServerForTests} from './text-server.js';

const json = (body: unknown, status = 200) => ({status, body: JSON.stringify(body), contentType: 'application/json'});
const vector = (...values: string[]) =>
	json({
		status: 'success',
		data: {resultType: 'vector', result: values.map((value, index) => ({metric: {instance: `m${index}`}, value: [1700000000.5, value]}))},
	});

const served = textServerForTests();

const reader = createMetricReader();
const source = (overrides: Partial<Extract<MetricSource, {type: 'prometheus'}>> = {}): MetricSource => ({
	type: 'prometheus',
	url: `${served.server.url}/prometheus/{{org}}/`,
	query: 'histogram_quantile(0.95, rate(x_bucket{app="{{app}}"}[1m]))',
	...overrides,
});
const context = {variables: {org: 'acme', app: 'api-green'}, env: {PROM_TOKEN: 's3cret'}};

describe('prometheus source', () => {
	it('given one sample, then the value is read with the query and url substituted and the bearer token sent', async () => {
		served.server.answer(vector('0.212'));
		const reading = await reader.read(source({tokenEnv: 'PROM_TOKEN'}), context);
		expect(reading).toEqual({value: 0.212});
		const request = served.server.requests.at(-1);
		const url = new URL(request?.url ?? '', served.server.url);
		expect(url.pathname).toBe('/prometheus/acme/api/v1/query');
		expect(url.searchParams.get('query')).toBe('histogram_quantile(0.95, rate(x_bucket{app="api-green"}[1m]))');
		expect(request?.headers.authorization).toBe('Bearer s3cret');
	});

	it('given a scalar answer, then it is a number too; without tokenEnv no authorization is sent', async () => {
		served.server.answer(json({status: 'success', data: {resultType: 'scalar', result: [1700000000, '42']}}));
		expect(await reader.read(source(), context)).toEqual({value: 42});
		expect(served.server.requests.at(-1)?.headers.authorization).toBeUndefined();
	});

	it('given an empty vector, then unknown: no data for the query', async () => {
		served.server.answer(vector());
		expect(await reader.read(source({query: 'up{job="none"}'}), context)).toEqual({value: null, reason: 'no data for up{job="none"}'});
	});

	it('given several series, then unknown: the query must be narrowed to one', async () => {
		served.server.answer(vector('1', '2', '3'));
		expect((await reader.read(source(), context)).reason).toBe('query returned 3 series, expected 1');
	});

	it('given NaN or +Inf, then unknown', async () => {
		served.server.answer(vector('NaN'));
		expect(await reader.read(source({query: 'q'}), context)).toEqual({value: null, reason: 'q is NaN'});
		served.server.answer(vector('+Inf'));
		expect(await reader.read(source({query: 'q'}), context)).toEqual({value: null, reason: 'q is +Inf'});
	});

	it('given HTTP 500 with a Prometheus error body, then unknown with Prometheus\' own error text', async () => {
		served.server.answer(json({status: 'error', errorType: 'internal', error: 'query processing would load too many samples'}, 500));
		expect((await reader.read(source(), context)).reason).toBe('Prometheus 500: query processing would load too many samples');
	});

	it('given an error page that is not the API, then unknown naming the status', async () => {
		served.server.answer({status: 502, body: '<html>Bad Gateway</html>'});
		expect((await reader.read(source(), context)).reason).toBe(`HTTP 502 from ${served.server.url}/prometheus/acme/: <html>Bad Gateway</html>`);
	});

	it('given a slow Prometheus, then the timeout ends the wait with unknown', async () => {
		served.server.answer({...vector('1'), delayMs: 3000});
		const started = Date.now();
		const reading = await reader.read(source({timeout: '250ms'}), context);
		expect(reading.value).toBeNull();
		expect(reading.reason).toMatch(/no answer from 127\.0\.0\.1:\d+ within 250 ms/);
		expect(Date.now() - started).toBeLessThan(2000);
	});

	it('given a cancelled run, then the read stops at once', async () => {
		served.server.answer({...vector('1'), delayMs: 3000});
		const controller = new AbortController();
		setTimeout(() => controller.abort(), 50);
		const started = Date.now();
		expect(await reader.read(source(), {...context, signal: controller.signal})).toEqual({value: null, reason: 'cancelled'});
		expect(Date.now() - started).toBeLessThan(1000);
	});

	it('given an undefined variable, then unknown naming it rather than a throw', async () => {
		expect(await reader.read(source(), {variables: {}, env: {}})).toEqual({value: null, reason: 'variable {{org}} has no value'});
	});

	it('given a range query, then each series comes back with millisecond points and NaN as null', async () => {
		served.server.answer(
			json({
				status: 'success',
				data: {resultType: 'matrix', result: [{metric: {instance: 'a'}, values: [[1700000000, '1.5'], [1700000015, 'NaN']]}]},
			}),
		);
		const result = await queryRange(`${served.server.url}/`, 'rate(x[1m])', 1_700_000_000_000, 1_700_000_015_000, 15_000, 'tok');
		expect(result).toEqual({ok: true, series: [{labels: {instance: 'a'}, points: [[1_700_000_000_000, 1.5], [1_700_000_015_000, null]]}]});
		const url = new URL(served.server.requests.at(-1)?.url ?? '', served.server.url);
		expect(url.pathname).toBe('/api/v1/query_range');
		expect([url.searchParams.get('start'), url.searchParams.get('end'), url.searchParams.get('step')]).toEqual(['1700000000', '1700000015', '15']);
		expect(served.server.requests.at(-1)?.headers.authorization).toBe('Bearer tok');
	});
});
