import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {execa} from 'execa';
import {afterEach, describe, expect, test} from 'vitest';
import {STATE_ENV, updateState} from '../../source/sandbox/fly-state.js';
import {startProductionWorld, type ProductionWorld} from '../helpers/production-world.js';
import {jsonEventsOf, type JsonEvent} from './rehearse-run.js';

// runbook.json run as production runs it: `greenlight run --target production`, its production
// metrics (PromQL over Fly's proxy series) read from a real Prometheus that wants a FlyV1 macaroon,
// fly and gh on PATH answering in their upstream shapes. Only the endpoints are pointed at
// 127.0.0.1 with --var, and the bakes are shortened as `rehearse --speed 20` shortens them.

const cli = path.resolve(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');
const SPEED = 20;

let world: ProductionWorld | undefined;

afterEach(async () => {
	await world?.stop();
	world = undefined;
});

const varsOf = (current: ProductionWorld) => Object.entries(current.vars).flatMap(([name, value]) => ['--var', `${name}=${value}`]);

const preflightProduction = async (current: ProductionWorld, env: Record<string, string> = {}) => {
	const result = await execa(process.execPath, [cli, 'preflight', 'runbook.json', '--target', 'production', ...varsOf(current)], {
		cwd: current.dir,
		env: {...current.env, ...env},
		reject: false,
		timeout: 120_000,
		stdin: 'ignore',
	});
	return {exitCode: result.exitCode, lines: String(result.stdout).split('\n')};
};

const runProduction = async (current: ProductionWorld) => {
	const result = await execa(process.execPath, [cli, 'run', 'runbook.json', '--target', 'production', '--yes', '--json', '--on-fail', 'rollback', ...varsOf(current)], {
		cwd: current.dir,
		env: current.env,
		reject: false,
		timeout: 400_000,
		stdin: 'ignore',
	});
	return {exitCode: result.exitCode, events: jsonEventsOf(result.stdout), stderr: String(result.stderr)};
};

const failures = (events: JsonEvent[]) =>
	events.filter((event) => event.type === 'step-finished' && event.status !== 'passed' && event.status !== 'skipped');

describe('the production target against production-shaped Fly', () => {
	test('given a healthy green, then the release completes on Prometheus numbers, the token sent as FlyV1, and ends with green promoted', async () => {
		world = await startProductionWorld({speed: SPEED});
		const preflight = await preflightProduction(world);
		expect(preflight.lines.filter((line) => line.startsWith('✗')), preflight.lines.join('\n')).toEqual([]);
		expect(preflight.exitCode).toBe(0);
		expect(preflight.lines.find((line) => line.startsWith('✓ metric p95 blue: '))).toMatch(/ ms/);
		const run = await runProduction(world);
		expect(failures(run.events), run.stderr).toEqual([]);
		expect(run.exitCode, run.stderr).toBe(0);
		expect(run.events.at(-1)).toMatchObject({type: 'run-finished', outcome: 'completed'});
		expect(world.refusals).toEqual([]);
		// Every gate judged numbers from Prometheus: none of them ended unknown, and the 5xx ratios read 0, not "no data".
		const errors = run.events.filter((event) => event.type === 'gate-sampled' && event.metric === 'errors' && event.colour === 'green');
		expect(errors.length).toBeGreaterThan(0);
		expect(errors.some((event) => event.value === 0)).toBe(true);
	}, 420_000);

	test('given a FLY_API_TOKEN that is no macaroon of this Fly, then preflight fails naming the token for fly and for Prometheus, and never shows it', async () => {
		world = await startProductionWorld({speed: SPEED});
		const preflight = await preflightProduction(world, {FLY_API_TOKEN: 'FlyV1 fm2_notthistoken'});
		expect(preflight.exitCode).toBe(1);
		const text = preflight.lines.join('\n');
		expect(preflight.lines.find((line) => line.startsWith('✗ fly auth whoami: '))).toContain('FLY_API_TOKEN');
		expect(preflight.lines.find((line) => line.startsWith('✗ metric p95 blue: '))).toContain('Prometheus refused the token in FLY_API_TOKEN (HTTP 401');
		expect(text).not.toContain('notthistoken');
	}, 120_000);

	test('given a re-run of ci that failed after a green one, then the CI gate fails at once naming the failed conclusion, and nothing is deployed', async () => {
		world = await startProductionWorld({speed: SPEED});
		updateState(world.env[STATE_ENV] as string, (state) => {
			state.ci = {runs: [], outcomes: {ci: ['success', 'failure']}};
		});
		const run = await runProduction(world);
		expect(run.exitCode).toBe(1);
		const [failure] = failures(run.events);
		expect(failure).toMatchObject({phase: 'voraussetzungen', step: 'ci-gates', status: 'failed'});
		expect((failure as {reason?: string}).reason).toBe(`the first of $[?(@.workflowName=='ci')].conclusion was "failure" (expected "success")`);
		expect(run.events.some((event) => event.type === 'step-started' && event.step === 'green-deploy')).toBe(false);
	}, 120_000);

	test('given Fly\'s proxy sending green far more than the lever intends, then the share gate fails on Prometheus\' count, naming weight and measured share, and the release rolls back', async () => {
		world = await startProductionWorld({speed: SPEED, scenario: 'skewed-share'});
		const run = await runProduction(world);
		expect(run.exitCode).toBe(1);
		const [failure] = failures(run.events);
		expect(failure).toMatchObject({phase: 'traffic-switch', step: 'traffic-erhoehen', status: 'failed'});
		expect((failure as {reason?: string}).reason).toMatch(/^at 20%: measured (\d+) % on green, weight 20 % ± 10: greenShare \d+ % > 30 %/);
		expect(run.events.at(-1)).toMatchObject({type: 'run-finished', outcome: 'rolled-back'});
	}, 240_000);

	test('given a green fly.toml without health checks, then the smoke test fails at fly status, saying machines have no checks, and the release rolls back', async () => {
		world = await startProductionWorld({speed: SPEED});
		const withoutChecks = readFileSync(world.vars.greenConfig as string, 'utf8').replace(/\[\[http_service\.checks\]\][^[]*/s, '');
		expect(withoutChecks).not.toContain('checks');
		const file = path.join(world.dir, 'fly.green-without-checks.toml');
		writeFileSync(file, withoutChecks);
		world.vars.greenConfig = file;
		const run = await runProduction(world);
		expect(run.exitCode).toBe(1);
		const [failure] = failures(run.events);
		expect(failure).toMatchObject({phase: 'smoke', step: 'fly-status', status: 'failed'});
		expect(JSON.stringify(failure)).toContain('!@.checks');
		expect(run.events.at(-1)).toMatchObject({type: 'run-finished', outcome: 'rolled-back'});
	}, 240_000);
});
