import {closeSync, mkdtempSync, openSync, readFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterEach, describe, expect, it} from 'vitest';
import {alive} from '../helpers/processes.js';
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

describe('greenlight contract killed from outside', () => {
	it('given its process group is killed with SIGKILL (a step timeout, a kill -9), then Prism goes with it', async () => {
		const {spawn} = await import('node:child_process');
		const {createServer} = await import('node:http');
		// A target that never answers: the suite is still waiting on it when the group is killed.
		const silent = createServer(() => {});
		await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
		const port = (silent.address() as {port: number}).port;
		const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli/main.js');
		// Output to a file, as in a step's log: with a pipe, Prism would die of the broken pipe anyway.
		const outFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'gl-contract-kill-')), 'out.log');
		const out = openSync(outFile, 'w');
		const child = spawn(process.execPath, [cli, 'contract', '--openapi', openapi, '--target', `http://127.0.0.1:${port}`, '--timeout', '60s'], {
			detached: true,
			stdio: ['ignore', out, out],
		});
		closeSync(out);
		let prismPid: number | undefined;
		try {
			for (let waited = 0; waited < 20_000 && prismPid === undefined; waited += 100) {
				prismPid = Number(/Prism proxy \(pid (\d+)\)/.exec(readFileSync(outFile, 'utf8'))?.[1]) || undefined;
				await new Promise((resolve) => setTimeout(resolve, 100));
			}
			// Let Prism start listening and the first request hang on the silent target.
			await new Promise((resolve) => setTimeout(resolve, 1500));
			expect(prismPid).toBeDefined();
			expect(alive(prismPid!)).toBe(true);
			process.kill(-child.pid!, 'SIGKILL');
			for (let waited = 0; waited < 3_000 && alive(prismPid!); waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
			expect(alive(prismPid!)).toBe(false);
		} finally {
			for (const target of [-child.pid!, prismPid]) {
				try {
					if (target) process.kill(target, 'SIGKILL');
				} catch {
					// Gone already.
				}
			}
			silent.closeAllConnections();
			await new Promise((resolve) => silent.close(resolve));
		}
	}, 30_000);
});
