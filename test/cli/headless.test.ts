import {execFile, spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {describe, expect, it} from 'vitest';
import {alive, endsWithTest} from '../helpers/processes.js';

const repo = path.resolve(import.meta.dirname, '../..');
const cli = path.join(repo, 'dist/cli/main.js');
const fixtures = path.join(repo, 'test/fixtures');

type Run = {code: number | null; stdout: string; stderr: string};

const greenlight = (args: string[], cwd: string): Promise<Run> =>
	new Promise((resolve) => {
		execFile(process.execPath, [cli, ...args], {cwd, timeout: 60_000}, (error, stdout, stderr) => {
			const code = (error as {code?: unknown} | null)?.code;
			resolve({code: error ? (typeof code === 'number' ? code : 1) : 0, stdout, stderr});
		});
	});

const events = (stdout: string) => stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'gl-cli-'));

describe('greenlight run without a terminal', () => {
	it('runs command, http and manual steps in order with --yes --json; a capture feeds a later argv', async () => {
		const cwd = tempDir();
		const run = await greenlight(['run', path.join(fixtures, 'runbooks/simple.json'), '--yes', '--json', '--on-fail', 'stop'], cwd);
		const stream = events(run.stdout);
		const finished = stream.filter((event) => event.type === 'step-finished');
		expect(finished.map((event) => `${event.step}:${event.status}`).slice(0, 2)).toEqual(['say:passed', 'echo:passed']);
		expect(finished[0]).toMatchObject({exitCode: 0, captured: {token: 'hello'}});
		expect(typeof finished[0]?.durationMs).toBe('number');
		for (const event of stream) expect(event).toHaveProperty('ts');
		// The echo step printed the captured value it got as its argv.
		const output = stream.filter((event) => event.type === 'step-output' && event.step === 'echo').flatMap((event) => event.lines as string[]);
		expect(output).toContain('hello');
		// The http step fails (nothing listens on port 9): exit 1, no rollback because nothing changed production.
		expect(stream.at(-1)).toMatchObject({type: 'run-finished', outcome: 'failed'});
		expect(stream.some((event) => event.type === 'rollback-started')).toBe(false);
		expect(run.code).toBe(1);
	});

	it('given a failure after production changed, --on-fail rollback runs the rollback steps and exits 1', async () => {
		const cwd = tempDir();
		const effects = path.join(cwd, 'effects.log');
		const run = await greenlight(
			['run', path.join(fixtures, 'cli/fails-after-change.json'), '--yes', '--json', '--on-fail', 'rollback', '--var', `effects=${effects}`],
			cwd,
		);
		const stream = events(run.stdout);
		expect(stream.find((event) => event.type === 'step-finished' && event.step === 'verify')).toMatchObject({status: 'failed', exitCode: 4});
		expect(stream.find((event) => event.type === 'rollback-started')?.reason).toMatch(/switch\/verify failed/);
		expect(stream.find((event) => event.type === 'step-finished' && event.phase === 'rollback')).toMatchObject({step: 'back', status: 'passed'});
		expect(stream.at(-1)).toMatchObject({type: 'run-finished', outcome: 'rolled-back'});
		expect(readFileSync(effects, 'utf8')).toBe('shifted\nrolled back\n');
		expect(run.code).toBe(1);
	});

	it('with --on-fail stop, the same failure stops without rolling back', async () => {
		const cwd = tempDir();
		const effects = path.join(cwd, 'effects.log');
		const run = await greenlight(['run', path.join(fixtures, 'cli/fails-after-change.json'), '--yes', '--var', `effects=${effects}`], cwd);
		expect(run.stdout).toMatch(/■ failed: switch\/verify failed/);
		expect(readFileSync(effects, 'utf8')).toBe('shifted\n');
		expect(run.code).toBe(1);
	});

	it('without --yes and without a terminal it exits 2 naming --yes', async () => {
		const run = await greenlight(['run', path.join(fixtures, 'runbooks/simple.json')], tempDir());
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(/--yes/);
		expect(run.stderr).not.toMatch(/\n\s+at /);
	});

	it('bad usage and bad runbooks exit 2 with one clear line and no stack trace', async () => {
		const cwd = tempDir();
		for (const args of [['run', 'missing.json', '--yes'], ['run', '--bogus'], ['frobnicate'], ['run', path.join(fixtures, 'runbooks/simple.json'), '--yes', '--on-fail', 'maybe'], ['rehearse', '--scenario', 'nope', '--yes']]) {
			const run = await greenlight(args, cwd);
			expect(run.code, args.join(' ')).toBe(2);
			expect(run.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
		}
		const missing = await greenlight(['validate', 'missing.json'], cwd);
		expect(missing.stderr).toMatch(/^missing\.json:1:1: \(root\): /);
	});

	it('kill -TERM of greenlight kills the whole process tree of the running step', async () => {
		const cwd = tempDir();
		const pidsFile = path.join(cwd, 'pids.json');
		const child = endsWithTest(spawn(process.execPath, [cli, 'run', path.join(fixtures, 'cli/tree.json'), '--yes', '--json', '--var', `pids=${pidsFile}`], {cwd, stdio: ['ignore', 'pipe', 'pipe']}));
		let stdout = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
		const deadline = Date.now() + 15_000;
		while (!existsSync(pidsFile) || readFileSync(pidsFile, 'utf8') === '') {
			if (Date.now() > deadline) throw new Error(`the step never started:\n${stdout}`);
			await sleep(50);
		}
		const pids = JSON.parse(readFileSync(pidsFile, 'utf8')) as number[];
		expect(pids.every(alive)).toBe(true);
		child.kill('SIGTERM');
		expect(await exited).toBe(1);
		await sleep(200);
		expect(pids.filter(alive)).toEqual([]);
		const last = events(stdout).at(-1);
		expect(last).toMatchObject({type: 'run-finished', outcome: 'stopped'});
		// Interrupted mid-way, a non-idempotent command's outcome is unknown, not failed.
		expect(events(stdout).find((event) => event.type === 'step-finished')).toMatchObject({status: 'unknown'});
	});
});
