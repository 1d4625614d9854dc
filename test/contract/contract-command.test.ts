import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterEach, describe, expect, it} from 'vitest';
import {runContractCommand} from '../../source/cli/commands/contract.js';
import {startRewardsServer, type RewardsServer} from '../fixtures/contract/rewards-server.js';

const openapi = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/contract/rewards.openapi.yaml');

let server: RewardsServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

/** Runs the command and keeps what it printed; the real streams are restored afterwards. */
const runCommand = async (args: string[]): Promise<{code: number; stdout: string[]; stderr: string}> => {
	const stdout: string[] = [];
	let stderr = '';
	const writeOut = process.stdout.write;
	const writeErr = process.stderr.write;
	process.stdout.write = ((chunk: string) => {
		stdout.push(...String(chunk).split('\n').filter((line) => line !== ''));
		return true;
	}) as typeof process.stdout.write;
	process.stderr.write = ((chunk: string) => {
		stderr += String(chunk);
		return true;
	}) as typeof process.stderr.write;
	try {
		return {code: await runContractCommand(args), stdout, stderr};
	} finally {
		process.stdout.write = writeOut;
		process.stderr.write = writeErr;
	}
};

describe('greenlight contract', () => {
	it('given a conforming target and its token, when run, then it exits 0 and the last line says how many requests conform', async () => {
		server = await startRewardsServer('conforming');

		const {code, stdout} = await runCommand(['--openapi', openapi, '--target', server.url, '--header', 'Authorization: Bearer fixture-token']);

		expect(code).toBe(0);
		expect(stdout.at(-1)).toBe(`contract: OK — 6 requests conform to ${openapi}`);
		expect(stdout).toContain('contract: GET /v1/me → conforms');
	});

	it('given a target that breaks the contract, when run, then it exits 1 and the last line names every violation', async () => {
		server = await startRewardsServer('breaking');

		const {code, stdout} = await runCommand(['--openapi', openapi, '--target', server.url, '--timeout', '30s']);

		expect(code).toBe(1);
		const last = stdout.at(-1) ?? '';
		expect(last).toMatch(/^contract: FAILED — 4 contract violations: /);
		expect(last).toContain("GET /v1/rewards/rw_1 → 200: Response body must have required property 'points'");
		expect(last).toContain('GET /v1/rewards → 200: Response body property 0.points must be integer');
		expect(last).toContain('POST /v1/rewards → 202: Unable to match the returned status code');
		expect(last).toContain('GET /v1/tenants/acme/balance → 503: Unable to match the returned status code');
	});

	it.each([
		[['--target', 'http://127.0.0.1:9'], /contract needs --openapi and --target/],
		[['--openapi', 'x.yaml', '--target', 'http://127.0.0.1:9', '--timeout', 'soon'], /--timeout expects a duration like "60s" or "2m", got "soon"/],
		[['--openapi', 'x.yaml', '--target', 'http://127.0.0.1:9', '--header', 'no-colon'], /--header expects "Name: value", got "no-colon"/],
		[['--openapi', 'x.yaml', '--target', 'http://127.0.0.1:9', '--port', '1'], /Unknown option '--port'/],
	])('given the arguments %j, then it exits 2 with a one-line reason and no stack trace', async (args, reason) => {
		const {code, stdout, stderr} = await runCommand(args);

		expect(code).toBe(2);
		expect(stdout).toEqual([]);
		expect(stderr).toMatch(reason);
		expect(stderr).not.toMatch(/\n\s+at /);
	});
});
