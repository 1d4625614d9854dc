import {createServer} from 'node:net';
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterEach, describe, expect, it} from 'vitest';
import {runContractSuite} from '../../source/tools/contract/contract-suite.js';
import {startRewardsServer, type RewardsServer} from '../fixtures/contract/rewards-server.js';
import {alive} from '../helpers/processes.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/contract');
const openapi = path.join(fixtures, 'rewards.openapi.yaml');

let server: RewardsServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

const collect = () => {
	const lines: string[] = [];
	return {lines, log: (line: string) => lines.push(line)};
};

/** The pid the suite announces for its Prism process. */
const prismPid = (lines: string[]): number => {
	const match = lines.map((line) => /Prism proxy \(pid (\d+)\)/.exec(line)).find((found) => found !== null);
	if (!match?.[1]) throw new Error(`no Prism pid in:\n${lines.join('\n')}`);
	return Number(match[1]);
};

const closedPort = async (): Promise<number> => {
	const probe = createServer();
	await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
	const {port} = probe.address() as AddressInfo;
	await new Promise((resolve) => probe.close(resolve));
	return port;
};

describe('contract suite through real Prism', () => {
	it('given a server that honours the contract, when the suite runs, then every fillable operation conforms and Prism is gone', async () => {
		server = await startRewardsServer('conforming');
		const {lines, log} = collect();

		const result = await runContractSuite({openapi, target: server.url, log, headers: {authorization: 'Bearer fixture-token'}});

		expect(result).toEqual({ok: true, checked: 6, violations: [], errors: []});
		// The requests really went through Prism to the target, the POST with the contract's example body.
		expect(server.requests).toEqual(
			expect.arrayContaining(['GET /health', 'GET /v1/rewards', 'POST /v1/rewards', 'GET /v1/rewards/rw_1', 'GET /v1/tenants/acme/balance', 'GET /v1/me']),
		);
		expect(lines).toContain('contract: GET /v1/rewards/rw_1 → conforms');
		expect(lines).toContain('contract: skip DELETE /v1/stamps/{stampId}: path parameter "stampId" has no example, enum or default');
		expect(lines.some((line) => line.startsWith('prism: ') && line.includes('Prism is listening on http://127.0.0.1:'))).toBe(true);
		expect(alive(prismPid(lines))).toBe(false);
	});

	it('given a server that breaks the contract four ways, when the suite runs, then each break is named with Prism\'s own text', async () => {
		server = await startRewardsServer('breaking');
		const {lines, log} = collect();

		const result = await runContractSuite({openapi, target: server.url, log});

		expect(result.ok).toBe(false);
		expect(result.errors).toEqual([]);
		expect(result.checked).toBe(5);
		expect(result.violations).toEqual([
			'GET /v1/rewards → 200: Response body property 0.points must be integer',
			'POST /v1/rewards → 202: Unable to match the returned status code with those defined in the document: 201',
			"GET /v1/rewards/rw_1 → 200: Response body must have required property 'points'",
			'GET /v1/tenants/acme/balance → 503: Unable to match the returned status code with those defined in the document: 200',
		]);
		for (const violation of result.violations) expect(lines).toContain(`contract: ${violation}`);
		expect(lines).toContain('contract: skip GET /v1/me: needs credentials (http bearer); pass them with --header');
		expect(alive(prismPid(lines))).toBe(false);
	});

	it('given a target that is down, when the suite runs, then it is not ok and says no request got an answer', async () => {
		const port = await closedPort();
		const {lines, log} = collect();

		const result = await runContractSuite({openapi, target: `http://127.0.0.1:${port}`, log});

		expect(result.ok).toBe(false);
		expect(result.violations).toEqual([]);
		expect(result.errors[0]).toMatch(/^GET \/health → no answer: request to http:\/\/127\.0\.0\.1:\d+\/health failed, reason: connect ECONNREFUSED/);
		expect(result.errors).toHaveLength(result.checked);
		expect(lines.some((line) => line.startsWith('prism: ') && line.includes('ECONNREFUSED'))).toBe(true);
		expect(alive(prismPid(lines))).toBe(false);
	});

	it('given a target that drops the first request of every path, then reads are tried once more and conform, a write is not sent twice', async () => {
		server = await startRewardsServer('conforming');
		const upstream = server.url;
		const {createServer: createHttpServer} = await import('node:http');
		const seen = new Set<string>();
		// A busy target: the first request for each path gets its connection dropped, the next is served.
		const flaky = createHttpServer(async (request, response) => {
			const key = `${request.method} ${request.url}`;
			if (!seen.has(key)) {
				seen.add(key);
				request.socket.destroy();
				return;
			}
			const chunks: Buffer[] = [];
			for await (const chunk of request) chunks.push(chunk as Buffer);
			const answer = await fetch(new URL(request.url ?? '/', upstream), {
				method: request.method,
				headers: request.headers as Record<string, string>,
				body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
			});
			response.writeHead(answer.status, Object.fromEntries(answer.headers));
			response.end(Buffer.from(await answer.arrayBuffer()));
		});
		await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
		const {lines, log} = collect();
		try {
			const result = await runContractSuite({
				openapi,
				target: `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`,
				headers: {Authorization: 'Bearer fixture-token'},
				log,
			});
			const retried = lines.filter((line) => line.endsWith('; trying once more'));
			// Reads are tried again and then conform; a write is never sent twice, so its drop counts.
			expect(retried.length).toBeGreaterThan(0);
			expect(retried.every((line) => line.startsWith('contract: GET '))).toBe(true);
			expect(result.errors.length).toBeGreaterThan(0);
			expect(result.errors.every((error) => /^(POST|PUT|PATCH|DELETE) .* no answer/.test(error))).toBe(true);
			expect(result.violations).toEqual([]);
			expect(retried.length + result.errors.length).toBe(result.checked);
		} finally {
			flaky.closeAllConnections();
			await new Promise((resolve) => flaky.close(resolve));
		}
	});

	it('given a run that is aborted while Prism starts, then the suite stops early, not ok, and Prism is gone', async () => {
		server = await startRewardsServer('conforming');
		const {lines, log} = collect();
		const controller = new AbortController();
		setTimeout(() => controller.abort(new Error('operator quit')), 300);

		const result = await runContractSuite({openapi, target: server.url, log, signal: controller.signal});

		expect(result).toMatchObject({ok: false, checked: 0, errors: ['operator quit']});
		expect(server.requests).toEqual([]);
		expect(alive(prismPid(lines))).toBe(false);
	});

	it('given a deadline shorter than Prism needs to start, then the suite reports the timeout', async () => {
		server = await startRewardsServer('conforming');
		const {lines, log} = collect();

		const result = await runContractSuite({openapi, target: server.url, log, timeoutMs: 200});

		expect(result.ok).toBe(false);
		expect(result.errors).toEqual(['timed out after 0.2s']);
		expect(alive(prismPid(lines))).toBe(false);
	});

	it('given an OpenAPI file that does not exist, then the suite says so without starting Prism', async () => {
		const {lines, log} = collect();

		const result = await runContractSuite({openapi: path.join(fixtures, 'missing.yaml'), target: 'http://127.0.0.1:9', log});

		expect(result).toEqual({ok: false, checked: 0, violations: [], errors: [`OpenAPI file not found: ${path.join(fixtures, 'missing.yaml')}`]});
		expect(lines.some((line) => line.includes('Prism proxy'))).toBe(false);
	});
});
