import {copyFileSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {createHash} from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {captureValue, checkJsonExpectations} from '../../source/adapters/capture.js';
import {checkNamesOf, configFromToml, processNames, SANDBOX_CONFIG_FILES} from '../../source/sandbox/fly/app-config.js';
import {parseSecrets} from '../../source/sandbox/fly/secrets-import.js';
import {parseToml} from '../../source/sandbox/fly/toml.js';
import {readState, updateState} from '../../source/sandbox/fly-state.js';
import {BLUE_IMAGE, SANDBOX_APPS} from '../../source/sandbox/sandbox.js';
import type {Capture} from '../../source/runbook/schema.js';
import {BLUE, GREEN, openWorld, RELEASE_SHA, type World} from '../fixtures/upstream/stand-in-world.js';
import {GREEN_IMAGE, openSandbox, type SandboxFixture} from './sandbox-fixture.js';

type Check = {name: string; status: string; output?: string; updated_at: string};
type MachineJson = {
	id: string;
	state: string;
	cordoned: boolean;
	host_status: string;
	config?: {image: string; metadata: {fly_process_group: string}};
	incomplete_config?: {metadata: {fly_process_group: string}};
	checks?: Check[];
};
type Release = {Version: number; Status: string; ImageRef: string};

const digest = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 16);

describe('the fly stand-in in a running sandbox', () => {
	let fixture: SandboxFixture;
	let scratch: string;
	const stateFile = () => path.join(fixture.sessionDir, 'sandbox', 'fly-state.json');
	/** fly run in a working directory of the test's choosing, as a runbook step runs it. */
	const flyIn = async (cwd: string, args: string[]) => {
		const result = await execa('fly', args, {cwd, env: fixture.sandbox.env, reject: false, timeout: 60_000});
		return {exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr)};
	};
	const groupsOf = async (app: string) =>
		(JSON.parse((await fixture.fly(['machine', 'list', '--app', app, '--json'])).stdout) as MachineJson[]).map((machine) => machine.config?.metadata.fly_process_group).sort();

	beforeAll(async () => {
		fixture = await openSandbox();
		scratch = mkdtempSync(path.join(os.tmpdir(), 'greenlight-cwd-'));
	});
	afterAll(async () => {
		await fixture.dispose();
		rmSync(scratch, {recursive: true, force: true});
	});

	test('given a fresh sandbox, when fly status --json runs for blue, then it lists blue machines started on the blue image, each with cordoned and a lowercase passing check', async () => {
		const result = await fixture.fly(['status', '--app', SANDBOX_APPS.blue, '--json']);
		expect(result.exitCode).toBe(0);
		const status = JSON.parse(result.stdout) as {Name: string; Status: string; Machines: MachineJson[]};
		expect(status.Name).toBe(SANDBOX_APPS.blue);
		expect(status.Status).toBe('deployed');
		expect(status.Machines).toHaveLength(8);
		expect(new Set(status.Machines.map((machine) => machine.state))).toEqual(new Set(['started']));
		expect(status.Machines.every((machine) => machine.config?.image === BLUE_IMAGE)).toBe(true);
		expect(status.Machines.filter((machine) => machine.config?.metadata.fly_process_group === 'replay')).toHaveLength(4);
		expect(status.Machines.filter((machine) => machine.cordoned)).toHaveLength(4);
		expect(status.Machines.flatMap((machine) => machine.checks ?? []).map((check) => check.status)).toEqual(Array(8).fill('passing'));
	});

	test('given green was never deployed and the working directory has no fly.toml, when fly deploy runs without --config, then it fails as flyctl does and records no release', async () => {
		const deploy = await flyIn(scratch, ['deploy', '--app', SANDBOX_APPS.green, '--image', GREEN_IMAGE]);
		expect(deploy.exitCode).toBe(1);
		expect(deploy.stderr).toContain('could not create a fly.toml from any machines');
		expect(readState(stateFile()).apps[SANDBOX_APPS.green]?.releases).toEqual([]);
	});

	test("given blue's fly.toml in the working directory, when fly deploy --app green runs without --config, then green takes blue's process groups and the release records that file", async () => {
		const blueDir = mkdtempSync(path.join(scratch, 'blue-'));
		copyFileSync(SANDBOX_CONFIG_FILES.blue, path.join(blueDir, 'fly.toml'));
		const deploy = await flyIn(blueDir, ['deploy', '--app', SANDBOX_APPS.green, '--image', GREEN_IMAGE, '--strategy', 'canary']);
		expect(deploy.stderr).toBe('');
		expect(deploy.exitCode).toBe(0);
		expect(deploy.stdout).toContain('This deployment will:');
		expect(deploy.stdout).toContain(' * create 2 "replay" machines');
		expect(await groupsOf(SANDBOX_APPS.green)).toEqual(['app', 'app', 'replay', 'replay']);
		const release = readState(stateFile()).apps[SANDBOX_APPS.green]?.releases.at(-1);
		expect(release).toMatchObject({status: 'complete', imageRef: GREEN_IMAGE, config: {source: path.join(blueDir, 'fly.toml'), app: SANDBOX_APPS.green}});
	});

	test("when fly deploy --config names green's own file, then green loses the replay group and the release records the file", async () => {
		const deploy = await flyIn(scratch, ['deploy', '--config', SANDBOX_CONFIG_FILES.green, '--app', SANDBOX_APPS.green, '--image', GREEN_IMAGE]);
		expect(deploy.exitCode).toBe(0);
		expect(deploy.stdout).toContain('Process groups have changed. This will:');
		expect(deploy.stdout).toContain(' * destroy 2 "replay" machines');
		expect(await groupsOf(SANDBOX_APPS.green)).toEqual(['app', 'app']);
		expect(readState(stateFile()).apps[SANDBOX_APPS.green]?.releases.at(-1)?.config?.source).toBe(SANDBOX_CONFIG_FILES.green);
	});

	test('when fly deploy runs with neither --config nor ./fly.toml, then it deploys the config of the last release and says so in the release', async () => {
		const deploy = await flyIn(scratch, ['deploy', '--app', SANDBOX_APPS.green, '--image', GREEN_IMAGE]);
		expect(deploy.exitCode).toBe(0);
		expect(await groupsOf(SANDBOX_APPS.green)).toEqual(['app', 'app']);
		const releases = readState(stateFile()).apps[SANDBOX_APPS.green]?.releases ?? [];
		expect(releases.at(-1)?.config?.source).toBe(`release v${releases.at(-2)?.version}`);
	});

	test('when --config names a file that is not there, then fly deploy fails with flyctl\'s words', async () => {
		const missing = path.join(scratch, 'nope.toml');
		const deploy = await flyIn(scratch, ['deploy', '--config', missing, '--app', SANDBOX_APPS.green, '--image', GREEN_IMAGE]);
		expect(deploy.exitCode).toBe(1);
		expect(deploy.stderr).toContain(`Error: config file not found at specified path: ${missing} (also tried: ${path.join(missing, 'fly.toml')})`);
	});

	test('when fly scale count 4 --yes runs on green, then fly scale show --json reports four machines', async () => {
		const scaled = await fixture.fly(['scale', 'count', '4', '--app', SANDBOX_APPS.green, '--yes']);
		expect(scaled.exitCode).toBe(0);
		const shown = JSON.parse((await fixture.fly(['scale', 'show', '--app', SANDBOX_APPS.green, '--json'])).stdout) as Array<{Process: string; Count: number}>;
		expect(shown).toEqual([expect.objectContaining({Process: 'app', Count: 4})]);
		const unknown = await fixture.fly(['scale', 'count', '2', '--process-group', 'replay', '--app', SANDBOX_APPS.green, '--yes']);
		expect(unknown.exitCode).toBe(1);
		expect(unknown.stderr).toContain('Attempting to scale unknown process groups [replay] but valid names are [app]');
	});

	test('when fly checks list --json runs, then it prints an object keyed by machine id, each with its lowercase check', async () => {
		const machines = JSON.parse((await fixture.fly(['machine', 'list', '--app', SANDBOX_APPS.green, '--json'])).stdout) as MachineJson[];
		const checks = JSON.parse((await fixture.fly(['checks', 'list', '--app', SANDBOX_APPS.green, '--json'])).stdout) as Record<string, Check[]>;
		expect(Object.keys(checks)).toEqual(machines.map((machine) => machine.id).sort());
		for (const list of Object.values(checks)) expect(list).toEqual([expect.objectContaining({name: 'servicecheck-00-http-8080', status: 'passing'})]);
	});

	test('when a machine is cordoned and uncordoned, then the state file records it for the proxy', async () => {
		const [first] = JSON.parse((await fixture.fly(['machine', 'list', '--app', SANDBOX_APPS.blue, '--json'])).stdout) as MachineJson[];
		const id = first?.id as string;
		const cordoned = () => readState(stateFile()).machines.find((machine) => machine.id === id)?.cordoned;
		const cordon = await fixture.fly(['machine', 'cordon', id, '--app', SANDBOX_APPS.blue]);
		expect(cordon.stdout).toBe(`Activating cordon on machine ${id}...\ndone!`);
		expect(cordoned()).toBe(true);
		expect((await fixture.fly(['machine', 'uncordon', id, '--app', SANDBOX_APPS.blue])).exitCode).toBe(0);
		expect(cordoned()).toBe(false);
		const missing = await fixture.fly(['machine', 'cordon', 'ffffffffffffff', '--app', SANDBOX_APPS.blue]);
		expect(missing.exitCode).toBe(1);
		expect(missing.stderr).toContain('machine not found');
	});

	test('when secrets are imported as dotenv, then the values flyctl would set are stored as digests only, a release is recorded and the machines restart', async () => {
		const before = readState(stateFile()).apps[SANDBOX_APPS.green]?.releases.length ?? 0;
		const input = 'DATABASE_URL="postgres://api:s3cr3t-value@db/lokaltreu"\n# a comment\nJWKS_URL=https://auth.example/jwks # where the keys are\nPEM="""line one\nline two"""\n';
		const imported = await fixture.fly(['secrets', 'import', '--app', SANDBOX_APPS.green], input);
		expect(imported.exitCode).toBe(0);
		expect(`${imported.stdout}${imported.stderr}`).not.toContain('s3cr3t');
		expect(imported.stdout).toContain('Finished updating 4 machines');
		const green = readState(stateFile()).apps[SANDBOX_APPS.green];
		expect(green?.secrets.DATABASE_URL?.digest).toBe(digest('postgres://api:s3cr3t-value@db/lokaltreu'));
		expect(green?.secrets.JWKS_URL?.digest).toBe(digest('https://auth.example/jwks'));
		expect(green?.secrets.PEM?.digest).toBe(digest('line one\nline two'));
		expect(green?.releases).toHaveLength(before + 1);
		expect(green?.releases.at(-1)).toMatchObject({status: 'complete', imageRef: GREEN_IMAGE});
		const listed = await fixture.fly(['secrets', 'list', '--app', SANDBOX_APPS.green, '--json']);
		expect((JSON.parse(listed.stdout) as Array<{name: string}>).map((secret) => secret.name).sort()).toEqual(['DATABASE_URL', 'JWKS_URL', 'PEM']);
		expect(readFileSync(stateFile(), 'utf8')).not.toContain('s3cr3t');
	});

	test('when a stdin line has no "=", then fly secrets import fails quoting the line as flyctl does, so the runbook step must be secret', async () => {
		const broken = await fixture.fly(['secrets', 'import', '--app', SANDBOX_APPS.green], 'not a pair with s3cr3t\n');
		expect(broken.exitCode).toBe(1);
		expect(broken.stderr).toBe('Error: Failed to parse secrets from stdin: Secrets must be provided as NAME=VALUE pairs (not a pair with s3cr3t is invalid)');
	});

	test('when a command or flag flyctl lacks is used, then it fails as flyctl does', async () => {
		const alloc = await fixture.fly(['alloc', '--set-primary', 'abc', '--app', SANDBOX_APPS.blue]);
		expect(alloc.exitCode).toBe(1);
		expect(alloc.stderr).toContain('Error: unknown command "alloc" for "fly"');
		const flag = await fixture.fly(['status', '--app', SANDBOX_APPS.blue, '--foo']);
		expect(flag.exitCode).toBe(1);
		expect(flag.stderr).toContain('Error: unknown flag: --foo');
		const sub = await fixture.fly(['machine', 'teleport', '--app', SANDBOX_APPS.blue]);
		expect(sub.stderr).toContain('unknown command "teleport" for "fly machine"');
		const app = await fixture.fly(['status', '--app', 'nope', '--json']);
		expect(app.exitCode).toBe(1);
		expect(app.stderr).toContain('Could not find App "nope"');
	});

	test('given blue\'s replay machines in service and its app machines cordoned, when fly deploy --process-groups app runs for blue, then only the app machines take the image; the replay machines keep theirs and every cordon stays', async () => {
		const before = readState(stateFile()).machines.filter((machine) => machine.app === SANDBOX_APPS.blue && machine.state !== 'destroyed');
		const ids = (group: string) => before.filter((machine) => machine.processGroup === group).map((machine) => machine.id);
		expect((await fixture.fly(['machine', 'uncordon', ...ids('replay'), '--app', SANDBOX_APPS.blue])).exitCode).toBe(0);
		expect((await fixture.fly(['machine', 'cordon', ...ids('app'), '--app', SANDBOX_APPS.blue])).exitCode).toBe(0);
		const deploy = await fixture.fly(['deploy', '--config', SANDBOX_CONFIG_FILES.blue, '--app', SANDBOX_APPS.blue, '--image', GREEN_IMAGE, '--process-groups', 'app', '--strategy', 'rolling']);
		expect(deploy.exitCode, deploy.stderr).toBe(0);
		expect(deploy.stderr).toBe('--process-groups filter applied, deploying to 4/8 machines');
		expect(deploy.stdout).not.toContain('Process groups have changed');
		const after = readState(stateFile()).machines.filter((machine) => machine.app === SANDBOX_APPS.blue && machine.state !== 'destroyed');
		expect(after.map((machine) => machine.id).sort()).toEqual(before.map((machine) => machine.id).sort());
		for (const machine of after) {
			expect(machine.image).toBe(machine.processGroup === 'app' ? GREEN_IMAGE : BLUE_IMAGE);
			expect(machine.cordoned).toBe(machine.processGroup === 'app');
			expect(machine.state).toBe('started');
		}
		// Back as the other tests found it: blue's app machines in service, the replay machines out.
		await fixture.fly(['machine', 'uncordon', ...ids('app'), '--app', SANDBOX_APPS.blue]);
		await fixture.fly(['machine', 'cordon', ...ids('replay'), '--app', SANDBOX_APPS.blue]);
	});

	test('when the state says a machine\'s host is unreachable, then it is listed with incomplete_config instead of config', async () => {
		const id = readState(stateFile()).machines.find((machine) => machine.app === SANDBOX_APPS.blue && machine.processGroup === 'replay')?.id as string;
		updateState(stateFile(), (state) => {
			const machine = state.machines.find((entry) => entry.id === id);
			if (machine) machine.hostStatus = 'unreachable';
		});
		const listed = JSON.parse((await fixture.fly(['machine', 'list', '--app', SANDBOX_APPS.blue, '--json'])).stdout) as MachineJson[];
		const machine = listed.find((entry) => entry.id === id);
		expect(machine).toMatchObject({host_status: 'unreachable', incomplete_config: {metadata: {fly_process_group: 'replay'}}});
		expect(machine && 'config' in machine).toBe(false);
	});
});

describe('the fly stand-in on a written world', () => {
	let world: World;
	beforeAll(() => {
		world = openWorld();
	});
	afterAll(() => world.dispose());
	const stdout = async (args: string[]) => (await world.run('fly', args)).stdout;

	test('when fly releases --json --image runs, then it lists every release newest first with Go field names, the failed one too', async () => {
		const releases = JSON.parse(await stdout(['releases', '--app', BLUE, '--json', '--image'])) as Release[];
		expect(releases.map((release) => [release.Version, release.Status])).toEqual([
			[42, 'failed'],
			[41, 'complete'],
			[40, 'complete'],
		]);
	});

	test('given a failed newest release, then the seed\'s capture takes the newest complete release, not $[0].ImageRef, nor all complete ones', async () => {
		const output = await stdout(['releases', '--app', BLUE, '--json', '--image']);
		expect(await captureValue({json: '$[0].ImageRef'}, output)).toEqual({ok: true, value: 'registry.fly.io/lokaltreu-api:2.4.0'});
		const seed = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', '..', 'runbook.json'), 'utf8')) as {phases: Array<{steps: Array<{id: string; capture?: Record<string, Capture>}>}>};
		const blueImage = seed.phases.flatMap((phase) => phase.steps).find((step) => step.id === 'blue-image')?.capture?.blueImage;
		expect(blueImage).toEqual({json: "$[?(@.Status=='complete')].ImageRef", first: true});
		expect(await captureValue(blueImage as Capture, output)).toEqual({ok: true, value: 'registry.fly.io/lokaltreu-api:2.3.1'});
		expect(await captureValue({json: "$[?(@.Status=='complete')].ImageRef"}, output)).toEqual({ok: true, value: 'registry.fly.io/lokaltreu-api:2.3.1,registry.fly.io/lokaltreu-api:2.3.0'});
	});

	test('given a green app whose fly.toml has no checks, then fly status --json leaves checks out and fly checks list --json gives its machine []', async () => {
		const status = JSON.parse(await stdout(['status', '--app', GREEN, '--json'])) as {Machines: MachineJson[]};
		expect(status.Machines.map((machine) => 'checks' in machine)).toEqual([false]);
		expect(JSON.parse(await stdout(['checks', 'list', '--app', GREEN, '--json']))).toEqual({[world.ids.green]: []});
	});

	test('given green without checks or with a check not passing, then the health expectations the runbook needs fail, and they pass for passing checks only', async () => {
		// What runbook.json's health-checks step needs to expect of `fly checks list --json`.
		const healthy = [
			{path: '$.*[*].status', equals: 'passing'},
			{path: '$[?(@.length == 0)]', absent: true},
		];
		expect(await checkJsonExpectations(healthy, await stdout(['checks', 'list', '--app', GREEN, '--json']), 'stdout')).toBe('nothing at $.*[*].status');
		expect(await checkJsonExpectations(healthy, await stdout(['checks', 'list', '--app', BLUE, '--json']), 'stdout')).toBe('$.*[*].status was "critical" (expected "passing")');
		expect(await checkJsonExpectations(healthy, JSON.stringify({a: [{status: 'passing'}], b: []}), 'stdout')).toMatch(/should find nothing/);
		expect(await checkJsonExpectations(healthy, JSON.stringify({a: [{status: 'passing'}], b: [{status: 'passing'}]}), 'stdout')).toBeUndefined();
		const noChecks = {path: '$.Machines[?(!@.checks)].id', absent: true};
		expect(await checkJsonExpectations(noChecks, await stdout(['status', '--app', GREEN, '--json']), 'stdout')).toBe(`$.Machines[?(!@.checks)].id should find nothing, found "${world.ids.green}"`);
	});

	test('given a machine whose host is unreachable, then its process group is read from incomplete_config and fly scale show leaves it out', async () => {
		const output = await stdout(['machine', 'list', '--app', BLUE, '--json']);
		const replay = await captureValue({json: "$[?((@.config || @.incomplete_config).metadata.fly_process_group=='replay')].id"}, output);
		expect(replay).toEqual({ok: true, value: world.ids.replayUnreachable});
		expect(JSON.parse(await stdout(['scale', 'show', '--app', BLUE, '--json']))).toEqual([expect.objectContaining({Process: 'app', Count: 3})]);
	});
});

describe('the gh stand-in', () => {
	// runbook.json's CI gate: the latest run of each required workflow concluded success (gh lists runs newest first).
	const ciGateStep = (JSON.parse(readFileSync(path.join(import.meta.dirname, '..', '..', 'runbook.json'), 'utf8')) as {
		phases: Array<{steps: Array<{id: string; expect?: {json?: Parameters<typeof checkJsonExpectations>[0]}}>}>;
	}).phases
		.flatMap((phase) => phase.steps)
		.find((step) => step.id === 'ci-gates');
	const ciGate = async (output: string) => checkJsonExpectations(ciGateStep?.expect?.json ?? [], output, 'stdout');
	const list = async (world: World, args: string[]) => world.run('gh', ['run', 'list', '--repo', 'lokaltreu/lokaltreu', ...args]);

	test('given a short SHA, when gh run list --commit runs, then it finds nothing, as GitHub matches the full SHA only', async () => {
		const world = openWorld();
		try {
			const short = await list(world, ['--commit', RELEASE_SHA.slice(0, 12), '--json', 'workflowName,conclusion']);
			expect(short).toEqual({exitCode: 0, stdout: '[]', stderr: ''});
			const full = JSON.parse((await list(world, ['--commit', RELEASE_SHA, '--json', 'workflowName,conclusion,headSha'])).stdout) as Array<Record<string, string>>;
			expect(full.map((run) => run.workflowName).sort()).toEqual(['ci', 'gdpr-compliance', 'security-gates']);
			expect(full.every((run) => run.conclusion === 'success' && run.headSha === RELEASE_SHA)).toBe(true);
			expect(await ciGate((await list(world, ['--commit', RELEASE_SHA, '--limit', '100', '--json', 'workflowName,conclusion'])).stdout)).toBeUndefined();
		} finally {
			world.dispose();
		}
	});

	test('given the state says a later ci run failed, then it is listed first, --status success would hide it, and the latest-run gate fails', async () => {
		const world = openWorld({runs: [], outcomes: {ci: ['success', 'failure']}});
		try {
			const runs = JSON.parse((await list(world, ['--commit', RELEASE_SHA, '--json', 'workflowName,conclusion,databaseId'])).stdout) as Array<{workflowName: string; conclusion: string}>;
			expect(runs.filter((run) => run.workflowName === 'ci').map((run) => run.conclusion)).toEqual(['failure', 'success']);
			const masked = JSON.parse((await list(world, ['--commit', RELEASE_SHA, '--status', 'success', '--json', 'workflowName'])).stdout) as Array<{workflowName: string}>;
			expect(masked.map((run) => run.workflowName).sort()).toEqual(['ci', 'gdpr-compliance', 'security-gates']);
			expect(await ciGate((await list(world, ['--commit', RELEASE_SHA, '--limit', '100', '--json', 'workflowName,conclusion'])).stdout)).toBe(
				`the first of $[?(@.workflowName=='ci')].conclusion was "failure" (expected "success")`,
			);
		} finally {
			world.dispose();
		}
	});

	test('given a re-run that failed, written into the state, then the run shows its latest attempt and the gate fails', async () => {
		const world = openWorld({runs: [], outcomes: {}});
		try {
			await list(world, ['--commit', RELEASE_SHA, '--json', 'workflowName']);
			updateState(world.stateFile, (state) => {
				const run = state.ci?.runs.find((entry) => entry.workflowName === 'security-gates');
				if (run) Object.assign(run, {attempt: 2, conclusion: 'failure'});
			});
			const runs = JSON.parse((await list(world, ['--commit', RELEASE_SHA, '--workflow', 'security-gates', '--json', 'attempt,conclusion'])).stdout) as unknown;
			expect(runs).toEqual([{attempt: 2, conclusion: 'failure'}]);
			expect(await ciGate((await list(world, ['--commit', RELEASE_SHA, '--json', 'workflowName,conclusion'])).stdout)).toBe(
				`the first of $[?(@.workflowName=='security-gates')].conclusion was "failure" (expected "success")`,
			);
		} finally {
			world.dispose();
		}
	});

	test('when a JSON field gh does not have is asked for, then it fails naming the fields it has', async () => {
		const world = openWorld();
		try {
			const result = await list(world, ['--commit', RELEASE_SHA, '--json', 'workflowName,Status']);
			expect(result.exitCode).toBe(1);
			expect(result.stderr).toMatch(/^Unknown JSON field: "Status"\nAvailable fields:\n {2}attempt\n/);
		} finally {
			world.dispose();
		}
	});
});

describe("flyctl's dotenv parsing (secrets/parser.go)", () => {
	test('given comments, quotes, an unquoted "#" and a """ block, then the values are what flyctl sets', () => {
		const parsed = parseSecrets(
			['# a comment', '', 'A=plain', 'B = "quoted # not a comment"', "C='single'", 'D=cut here # comment', 'E=x#y', 'F="""one line"""', 'G="""first', 'second', 'third"""', 'H=', 'A=again'].join('\n'),
		);
		expect(Object.fromEntries(parsed)).toEqual({A: 'again', B: 'quoted # not a comment', C: 'single', D: 'cut here', E: 'x', F: 'one line', G: 'first\nsecond\nthird', H: ''});
	});

	test('given a """ block that never closes, then its key is dropped, as flyctl drops it', () => {
		expect(Object.fromEntries(parseSecrets('A=1\nB="""open\nstill open\n'))).toEqual({A: '1'});
	});

	test('given CRLF line ends, then they do not end up in the values', () => {
		expect(Object.fromEntries(parseSecrets('A=1\r\nB="two"\r\n'))).toEqual({A: '1', B: 'two'});
	});
});

describe('how the stand-in reads fly.toml', () => {
	test('given tables, arrays of tables, dotted keys, inline tables and comments, then it reads them as TOML does', () => {
		const raw = parseToml(
			[
				'app = "lokaltreu-api" # the blue app',
				"kill_signal = 'SIGINT'",
				'[processes]',
				'app = "node dist/server.js"',
				'replay = "node dist/replay.js"',
				'[http_service]',
				'internal_port = 8_080',
				'processes = [',
				'  "app", # API',
				'  "replay",',
				']',
				'concurrency = { type = "requests", soft_limit = 20 }',
				'[[http_service.checks]]',
				'path = "/health"',
				'[checks.ready]',
				'type = "http"',
				'port = 8080',
				'path = "/ready"',
				'env.LOG_LEVEL = "info"',
			].join('\n'),
		);
		expect(raw).toMatchObject({
			app: 'lokaltreu-api',
			kill_signal: 'SIGINT',
			http_service: {internal_port: 8080, processes: ['app', 'replay'], concurrency: {type: 'requests', soft_limit: 20}, checks: [{path: '/health'}]},
			checks: {ready: {type: 'http', port: 8080, path: '/ready', env: {LOG_LEVEL: 'info'}}},
		});
		const config = configFromToml(raw, 'fly.toml');
		expect(processNames(config)).toEqual(['app', 'replay']);
		expect(checkNamesOf(config, 'replay')).toEqual(['servicecheck-00-http-8080']);
		expect(checkNamesOf(config, 'app')).toEqual(['servicecheck-00-http-8080', 'ready']);
	});

	test('given what it does not understand, then it refuses naming the line, so no rehearsal runs on half a config', () => {
		expect(() => parseToml('app = "a"\ndeployed_at = 2026-01-01T00:00:00Z\n')).toThrow('toml: line 2: dates and times are not supported here');
		expect(() => parseToml('app = "a"\napp = "b"\n')).toThrow('toml: line 2: app is defined twice');
		expect(() => parseToml('[processes\napp = "x"\n')).toThrow(/toml: line 1: expected "\]"/);
	});
});
