import {describe, expect, it} from 'vitest';
import {createMetricReader} from '../../../source/adapters/metrics/metric-reader.js';
import type {MetricSource} from '../../../source/runbook/schema.js';
import {textServerForTests} from './text-server.js';

const served = textServerForTests();

const reader = createMetricReader();
const read = (body: string, path = '$.stats.cost', status = 200) => {
	served.server.answer({status, body, contentType: 'application/json'});
	const source: MetricSource = {type: 'http-json', url: `${served.server.url}/stats`, path, headers: {'x-tenant': '{{tenant}}'}};
	return reader.read(source, {variables: {tenant: 't1'}, env: {}});
};

describe('http-json source', () => {
	it('given a number or a numeric string at the path, then that is the value', async () => {
		expect(await read('{"stats":{"cost":0.42}}')).toEqual({value: 0.42});
		expect(served.server.requests.at(-1)?.headers['x-tenant']).toBe('t1');
		expect(await read('{"stats":{"cost":"17"}}')).toEqual({value: 17});
	});

	it('given nothing, text, several values or not JSON at all, then unknown with the reason', async () => {
		expect((await read('{"stats":{}}')).reason).toBe('nothing at $.stats.cost');
		expect((await read('{"stats":{"cost":"cheap"}}')).reason).toBe('$.stats.cost is "cheap", not a number');
		expect((await read('{"a":[{"v":1},{"v":2}]}', '$.a[*].v')).reason).toBe('$.a[*].v matched 2 values, expected 1');
		expect((await read('<html>')).reason).toBe(`${served.server.url}/stats did not answer JSON`);
		expect((await read('{}', '$.x', 503)).reason).toBe(`HTTP 503 from ${served.server.url}/stats`);
	});
});
