import {describe, expect, it} from 'vitest';
import {createMetricReader} from '../../../source/adapters/metrics/metric-reader.js';
import type {MetricSource} from '../../../source/runbook/schema.js';
import {textServerForTests} from './text-server.js';

// A stand-in for Fly's Prometheus on 127.0.0.1 that, like api.fly.io/prometheus, wants a
// macaroon as "FlyV1 <token>" and refuses anything else — "Bearer FlyV1 …" included.
const MACAROON = 'fm2_lJPECAAAAAAAAQ8VxBDqSmpmN3VjpWJxFDXQ7Sod,fm2_lJPETkVbJXbIXHGAr8nX7oPa';
const served = textServerForTests();
const vector = JSON.stringify({status: 'success', data: {resultType: 'vector', result: [{metric: {}, value: [1700000000, '0.5']}]}});

const flyPrometheus = () =>
	served.server.answer((request) =>
		request.headers.authorization === `FlyV1 ${MACAROON}`
			? {body: vector, contentType: 'application/json'}
			: {status: 401, body: 'unauthorized: something went wrong resolving organization'},
	);

const reader = createMetricReader();
const source = (): MetricSource => ({type: 'prometheus', url: `${served.server.url}/prometheus/lokaltreu/`, query: 'up', tokenEnv: 'FLY_API_TOKEN'});
const read = (token: string | undefined) => reader.read(source(), {variables: {}, env: token === undefined ? {} : {FLY_API_TOKEN: token}});
const sentHeader = () => served.server.requests.at(-1)?.headers.authorization;

describe('the prometheus source against a Prometheus that wants Fly tokens', () => {
	it('given FLY_API_TOKEN as `fly tokens create` prints it ("FlyV1 fm2_…"), then it is sent as it is and the query answers', async () => {
		flyPrometheus();
		expect(await read(`FlyV1 ${MACAROON}`)).toEqual({value: 0.5});
		expect(sentHeader()).toBe(`FlyV1 ${MACAROON}`);
	});

	it('given a bare macaroon, or one with a stray "Bearer " scheme or a trailing newline, then it goes as "FlyV1 fm2_…"', async () => {
		flyPrometheus();
		for (const token of [MACAROON, `Bearer ${MACAROON}`, `${MACAROON}\n`, `flyv1 ${MACAROON}`]) {
			expect(await read(token)).toEqual({value: 0.5});
			expect(sentHeader()).toBe(`FlyV1 ${MACAROON}`);
		}
	});

	it('given the header greenlight used to send ("Bearer FlyV1 fm2_…"), then this Prometheus refuses it', async () => {
		flyPrometheus();
		const answer = await fetch(`${served.server.url}/prometheus/lokaltreu/api/v1/query?query=up`, {headers: {Authorization: `Bearer FlyV1 ${MACAROON}`}});
		expect(answer.status).toBe(401);
	});

	it('given a token that is no macaroon, then it goes as "Bearer …" and a refusal names the variable, never the token', async () => {
		flyPrometheus();
		const reading = await read('personal-oauth-token-4711');
		expect(sentHeader()).toBe('Bearer personal-oauth-token-4711');
		expect(reading).toEqual({value: null, reason: 'Prometheus refused the token in FLY_API_TOKEN (HTTP 401: unauthorized: something went wrong resolving organization)'});
	});

	it('given FLY_API_TOKEN unset or blank, then the reading is unknown naming it and Prometheus is not asked', async () => {
		flyPrometheus();
		const before = served.server.requests.length;
		expect(await read(undefined)).toEqual({value: null, reason: 'FLY_API_TOKEN is not set: this source sends it as its token'});
		expect(await read('  ')).toEqual({value: null, reason: 'FLY_API_TOKEN is not set: this source sends it as its token'});
		expect(served.server.requests.length).toBe(before);
	});
});
