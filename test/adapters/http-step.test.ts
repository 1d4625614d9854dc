import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {executeHttpStep} from '../../source/adapters/http-step.js';
import type {StepContext} from '../../source/adapters/step-context.js';
import {HttpStep} from '../../source/runbook/schema.js';

/** A step as the runbook would hold it, checked by the schema. */
const httpStep = (fields: Record<string, unknown>): HttpStep =>
	HttpStep.parse({id: 'health', title: 'Health', kind: 'http', ...fields});

const run = async (step: HttpStep, options: {variables?: Record<string, string>; signal?: AbortSignal} = {}) => {
	const lines: string[] = [];
	const context: StepContext<HttpStep> = {
		phase: 'smoke',
		step,
		variables: options.variables ?? {},
		env: {},
		runbookDir: '.',
		signal: options.signal ?? new AbortController().signal,
		log: (line) => lines.push(line),
		emit: () => {},
		speed: 1,
		metrics: {},
	};
	const result = await executeHttpStep(context);
	return {result, lines};
};

/** The app under test: a health endpoint, a failing one, an echo, a long body and one that never answers. */
const server = http.createServer((request, response) => {
	const url = new URL(request.url ?? '/', 'http://127.0.0.1');
	if (url.pathname === '/health') {
		response.setHeader('content-type', 'application/json');
		response.end(JSON.stringify({status: url.searchParams.get('status') ?? 'ok', version: '2.4.1', machines: [{id: 'm-1'}, {id: 'm-2'}]}));
		return;
	}
	if (url.pathname === '/unavailable') {
		response.statusCode = 503;
		response.end('upstream down');
		return;
	}
	if (url.pathname === '/echo') {
		let body = '';
		request.setEncoding('utf8');
		request.on('data', (chunk: string) => {
			body += chunk;
		});
		request.on('end', () => {
			response.setHeader('content-type', 'application/json');
			response.end(JSON.stringify({method: request.method, token: request.headers['x-token'] ?? null, body}));
		});
		return;
	}
	if (url.pathname === '/long') {
		response.end(Array.from({length: 100}, (_, index) => `line ${index} ${'x'.repeat(300)}`).join('\n'));
		return;
	}
	if (url.pathname === '/hang') return; // never answers
	response.statusCode = 404;
	response.end('not found');
});

let base = '';
beforeAll(async () => {
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
	server.closeAllConnections();
	await new Promise((resolve) => server.close(resolve));
});

describe('status', () => {
	test('given a healthy endpoint, when checked, then the step passes and the log shows method, url, status and time', async () => {
		const {result, lines} = await run(httpStep({url: `${base}/health`}));
		expect(result).toMatchObject({status: 'passed', reason: 'HTTP 200'});
		expect(lines[0]).toMatch(new RegExp(`^GET ${base}/health → 200 OK \\(\\d+ ms\\)$`));
		expect(lines[1]).toContain('"status":"ok"');
	});

	test('given an expected status, when another comes back, then the reason gives both', async () => {
		const {result} = await run(httpStep({url: `${base}/unavailable`, expect: {status: 200}}));
		expect(result).toEqual({status: 'failed', reason: 'HTTP 503 (expected 200)'});
	});

	test('given no expected status, when a 503 comes back, then any 2xx was expected', async () => {
		const {result} = await run(httpStep({url: `${base}/unavailable`}));
		expect(result).toEqual({status: 'failed', reason: 'HTTP 503 (expected 2xx)'});
	});

	test('given an expected non-2xx status, when it comes back, then the step passes', async () => {
		const {result} = await run(httpStep({url: `${base}/missing`, expect: {status: 404}}));
		expect(result.status).toBe('passed');
	});
});

describe('body and JSON', () => {
	test('given a body regex, then it passes on a match and names the pattern otherwise', async () => {
		expect((await run(httpStep({url: `${base}/health`, expect: {body: '"version":"2\\.'}}))).result.status).toBe('passed');
		const {result} = await run(httpStep({url: `${base}/health`, expect: {body: '"version":"3\\.'}}));
		expect(result).toEqual({status: 'failed', reason: 'body did not match /"version":"3\\./'});
	});

	test('given a JSON path that must equal a value, then a different value is named with both', async () => {
		const expectation = {json: {path: '$.status', equals: 'ok'}};
		expect((await run(httpStep({url: `${base}/health`, expect: expectation}))).result.status).toBe('passed');
		const {result} = await run(httpStep({url: `${base}/health?status=down`, expect: expectation}));
		expect(result).toEqual({status: 'failed', reason: '$.status was "down" (expected "ok")'});
	});

	test('given a JSON path that must match a regex, then a mismatch is named', async () => {
		const {result} = await run(httpStep({url: `${base}/health`, expect: {json: {path: '$.version', matches: '^3\\.'}}}));
		expect(result).toEqual({status: 'failed', reason: '$.version was "2.4.1" (expected to match /^3\\./)'});
	});

	test('given a JSON path with nothing there, then the reason says so', async () => {
		const {result} = await run(httpStep({url: `${base}/health`, expect: {json: {path: '$.region', equals: 'fra'}}}));
		expect(result).toEqual({status: 'failed', reason: 'nothing at $.region'});
	});

	test('given a JSON expectation on a body that is not JSON, then the reason says so', async () => {
		const {result} = await run(
			httpStep({url: `${base}/missing`, expect: {status: 404, json: {path: '$.status', equals: 'ok'}}}),
		);
		expect(result).toEqual({status: 'failed', reason: 'response is not JSON, so $.status cannot be read'});
	});

	test('given captures, then values come from the body by JSON path and regex', async () => {
		const {result} = await run(
			httpStep({
				url: `${base}/health`,
				capture: {machines: {json: '$.machines[*].id'}, version: {regex: '"version":"([^"]+)"'}},
			}),
		);
		expect(result).toMatchObject({status: 'passed', captured: {machines: 'm-1,m-2', version: '2.4.1'}});
	});

	test('given a long body, then the log shows only its first lines, each cut short', async () => {
		const {lines} = await run(httpStep({url: `${base}/long`}));
		expect(lines.length).toBeLessThanOrEqual(22);
		expect(lines.at(-1)).toBe('… (80 more lines)');
		expect(lines.every((line) => line.length <= 210)).toBe(true);
	});
});

describe('request', () => {
	test('given method, headers and body with variables, then the server receives them substituted', async () => {
		const {result, lines} = await run(
			httpStep({
				method: 'POST',
				url: `${base}/{{path}}`,
				headers: {'x-token': '{{token}}'},
				body: '{"image":"{{image}}"}',
				expect: {json: {path: '$.method', equals: 'POST'}},
			}),
			{variables: {path: 'echo', token: 's3cret', image: 'shop:v42'}},
		);
		expect(result.status).toBe('passed');
		expect(JSON.parse(lines[1] ?? 'null')).toEqual({method: 'POST', token: 's3cret', body: '{"image":"shop:v42"}'});
	});

	test('given a variable without a value, then the step fails naming it', async () => {
		const {result} = await run(httpStep({url: `${base}/{{path}}`}));
		expect(result).toEqual({status: 'failed', reason: 'variable {{path}} has no value'});
	});
});

describe('failures of the connection', () => {
	test('given a server that never answers, when the timeout passes, then the step fails saying so', async () => {
		const started = Date.now();
		const {result} = await run(httpStep({url: `${base}/hang`, timeout: '300ms'}));
		expect(result).toEqual({status: 'failed', reason: 'timed out after 300ms'});
		expect(Date.now() - started).toBeLessThan(5000);
	});

	test('given a closed port, then the step fails with "connection refused" and the url', async () => {
		const closed = http.createServer();
		await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
		const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/health`;
		await new Promise((resolve) => closed.close(resolve));
		const {result} = await run(httpStep({url}));
		expect(result).toEqual({status: 'failed', reason: `connection refused: ${url}`});
	});

	test('given a request waiting for an answer, when the step is cancelled, then it stops at once as cancelled', async () => {
		const controller = new AbortController();
		setTimeout(() => controller.abort(), 200);
		const started = Date.now();
		const {result} = await run(httpStep({url: `${base}/hang`}), {signal: controller.signal});
		expect(result).toEqual({status: 'failed', reason: 'cancelled'});
		expect(Date.now() - started).toBeLessThan(5000);
	});
});

describe('a secret step', () => {
	test('given an answer with the wrong value, the reason names the path, never the value the answer holds', async () => {
		const {result} = await run(
			httpStep({url: `${base}/echo`, method: 'POST', headers: {'x-token': 'tok-s3cret-value'}, expect: {json: {path: '$.token', equals: 'other'}}, secret: true}),
		);
		expect(result).toEqual({status: 'failed', reason: '$.token not as expected (expected "other") (output hidden: secret step)'});
	});

	test('given a capture that finds nothing, the reason names the capture, not the answer', async () => {
		const {result} = await run(httpStep({url: `${base}/echo`, headers: {'x-token': 'tok-s3cret-value'}, capture: {id: {regex: 'id=(\\d+)'}}, secret: true}));
		expect(result).toEqual({status: 'failed', reason: 'capture id: nothing taken by /id=(\\d+)/ (output hidden: secret step)'});
		// The same step, not secret, shows its evidence as before.
		const open = await run(httpStep({url: `${base}/echo`, method: 'POST', headers: {'x-token': 'visible'}, expect: {json: {path: '$.token', equals: 'other'}}}));
		expect(open.result.reason).toContain('visible');
	});
});
