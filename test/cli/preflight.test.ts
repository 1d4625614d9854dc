import {execFile} from 'node:child_process';
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runPreflight} from '../../source/cli/commands/preflight.js';
import {startSandbox, type Sandbox} from '../../source/sandbox/sandbox.js';
import {REHEARSAL_SPEED} from '../../source/cli/usage.js';

const repo = path.resolve(import.meta.dirname, '../..');
const runbookFile = path.join(repo, 'runbook.json');
const cli = path.join(repo, 'dist/cli/main.js');

// One sandbox for the in-process preflights, seen through a spy: every fly, gh and greenlight the
// preflight starts is logged before the sandbox's own runs, so the tests see that nothing of the
// runbook ran — only `fly auth whoami` and `fly status`.
let sandbox: Sandbox;
let root: string;
let spyLog: string;
let spyPath: string;

beforeAll(async () => {
	root = mkdtempSync(path.join(os.tmpdir(), 'greenlight-preflight-test-'));
	sandbox = await startSandbox({sessionDir: path.join(root, 'session'), speed: REHEARSAL_SPEED});
	const spyBin = path.join(root, 'spy-bin');
	mkdirSync(spyBin);
	spyLog = path.join(root, 'spy.log');
	const sandboxBin = (sandbox.env.PATH ?? '').split(path.delimiter)[0] as string;
	for (const name of ['fly', 'flyctl', 'gh', 'greenlight']) {
		writeFileSync(path.join(spyBin, name), `#!/bin/sh\nprintf '%s\\n' "${name} $*" >> "${spyLog}"\nexec "${path.join(sandboxBin, name)}" "$@"\n`);
		chmodSync(path.join(spyBin, name), 0o755);
	}
	spyPath = `${spyBin}${path.delimiter}${sandbox.env.PATH}`;
}, 60_000);

afterAll(async () => {
	await sandbox?.stop();
	rmSync(root, {recursive: true, force: true});
});

/** A preflight of the seed's rehearsal target against the shared sandbox, with the environment changed as given. */
const preflightRehearsal = async (options: {vars?: Record<string, string>; env?: Record<string, string>} = {}) => {
	writeFileSync(spyLog, '');
	const lines: string[] = [];
	const code = await runPreflight({
		file: runbookFile,
		target: 'rehearsal',
		vars: options.vars ?? {},
		write: (line) => lines.push(line),
		say: () => {},
		// The shared sandbox outlives each preflight: stopping is afterAll's.
		sandbox: async () => ({...sandbox, env: {...sandbox.env, PATH: spyPath, ...options.env}, stop: async () => {}}),
	});
	const calls = readFileSync(spyLog, 'utf8').trim().split('\n').filter(Boolean);
	return {code, lines, calls, line: (start: string) => lines.find((line) => line.startsWith(start))};
};

describe('greenlight preflight against the rehearsal sandbox', () => {
	it('given the seed and its sandbox, then every check passes, exit 0, and fly was only asked whoami and status', async () => {
		const run = await preflightRehearsal();
		expect(run.lines.filter((line) => line.startsWith('✗')), run.lines.join('\n')).toEqual([]);
		expect(run.code).toBe(0);
		expect(run.line('✓ variables: all 16 have a value')).toBeDefined();
		for (const program of ['fly', 'gh', 'greenlight']) expect(run.line(`✓ ${program}: `)).toBeDefined();
		expect(run.line('✓ fly auth whoami: operator@lokaltreu.de (token from FLY_API_TOKEN)')).toBeDefined();
		expect(run.line('✓ app lokaltreu-api: answers')).toBeDefined();
		expect(run.line('✓ app lokaltreu-api-green: answers')).toBeDefined();
		expect(run.line('✓ metric p95 blue: ')).toMatch(/ ms \(\d+ requests\)$/);
		expect(run.line('✓ metric p95 green: ')).toMatch(/no data yet .*expected while green takes no traffic/);
		expect(run.lines.at(-1)).toMatch(/^preflight passed: all \d+ checks$/);
		// Read-only: no deploy, scale, cordon, secrets import, gh or greenlight shift — no step ran.
		expect(run.calls.sort()).toEqual(['fly auth whoami', 'fly status --app lokaltreu-api --json', 'fly status --app lokaltreu-api-green --json']);
	});

	it('given a FLY_API_TOKEN the sandbox\'s Fly does not accept, then whoami and both apps fail naming FLY_API_TOKEN, exit 1', async () => {
		const run = await preflightRehearsal({env: {FLY_API_TOKEN: 'FlyV1 fm2_notthesandboxestokenatall'}});
		expect(run.code).toBe(1);
		expect(run.line('✗ fly auth whoami: ')).toBe(
			'✗ fly auth whoami: fly auth whoami exited 1: failed retrieving current user: You must be authenticated to view this. The token provided by FLY_API_TOKEN was rejected for this request. This environment variable overrides credentials saved by `fly auth login`; check its value and permissions, or unset it and try again. (token from FLY_API_TOKEN)',
		);
		expect(run.line('✗ app lokaltreu-api: ')).toContain('The token provided by FLY_API_TOKEN was rejected');
		expect(run.lines.join('\n')).not.toContain('notthesandboxestoken');
		expect(run.lines.at(-1)).toMatch(/^preflight failed: 3 of \d+ checks$/);
	});

	it('given a green app that does not exist, then its line names the app and Fly\'s answer, exit 1', async () => {
		const run = await preflightRehearsal({vars: {greenApp: 'lokaltreu-api-gren'}});
		expect(run.code).toBe(1);
		expect(run.line('✗ app lokaltreu-api-gren: ')).toBe(
			'✗ app lokaltreu-api-gren: fly status --app lokaltreu-api-gren exited 1: failed to get app: Could not find App "lokaltreu-api-gren" (used by vorbereitung/rollen, vorbereitung/green-deploy, vorbereitung/auto-scaling and 7 more)',
		);
		expect(run.line('✓ app lokaltreu-api: ')).toBeDefined();
		expect(run.lines.at(-1)).toMatch(/^preflight failed: 1 of \d+ checks$/);
	});
});

type Run = {code: number; stdout: string; stderr: string};

const greenlight = (args: string[], env: Record<string, string>): Promise<Run> =>
	new Promise((resolve) => {
		execFile(process.execPath, [cli, ...args], {cwd: repo, env, timeout: 120_000}, (error, stdout, stderr) => {
			const code = (error as {code?: unknown} | null)?.code;
			resolve({code: error ? (typeof code === 'number' ? code : 1) : 0, stdout, stderr});
		});
	});

describe('greenlight preflight from the command line', () => {
	it('given --target rehearsal, then it starts its own sandbox, passes and exits 0', async () => {
		const run = await greenlight(['preflight', 'runbook.json', '--target', 'rehearsal'], {PATH: process.env.PATH ?? '', HOME: os.homedir()});
		expect(run.stdout, run.stderr).toMatch(/^preflight passed: all \d+ checks$/m);
		expect(run.code).toBe(0);
	}, 120_000);

	it('given the production target with no token, no fly on PATH and no release version, then each cause has a line of its own', async () => {
		const emptyBin = mkdtempSync(path.join(os.tmpdir(), 'greenlight-no-fly-'));
		const run = await greenlight(['preflight', 'runbook.json', '--target', 'production'], {PATH: emptyBin, HOME: os.homedir()});
		rmSync(emptyBin, {recursive: true, force: true});
		expect(run.code).toBe(1);
		const lines = run.stdout.split('\n');
		const has = (text: string) => expect(lines.some((line) => line.startsWith(text)), `${text}\n${run.stdout}`).toBe(true);
		has('✗ variable version: no value; greenlight run would ask "Release-Version": pass --var version=…');
		has('✗ variable greenSecrets: secret without a value: set GREEN_SECRETS_DOTENV in the environment');
		has('✗ fly: not on the PATH the steps run with (needed by vorbereitung/blue-maschinen');
		has('✗ FLY_API_TOKEN: not set: metric p50, metric p95, metric p99 and 6 more send it to Prometheus as their token');
		has('✗ fly auth whoami: command not found: fly (no FLY_ACCESS_TOKEN or FLY_API_TOKEN set: flyctl uses its own login (fly auth login))');
		has('✗ metric errors blue: FLY_API_TOKEN is not set: this source sends it as its token');
		has('✗ file apps/api/fly.green.toml: not found at ');
	}, 60_000);

	it('lists preflight in --help', async () => {
		const run = await greenlight(['--help'], {PATH: process.env.PATH ?? ''});
		expect(run.stdout).toMatch(/greenlight preflight \[FILE\] \[--target T\] \[--var k=v\]…/);
	});
});
