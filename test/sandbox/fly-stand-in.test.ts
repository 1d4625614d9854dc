import {readFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {BLUE_IMAGE, SANDBOX_APPS} from '../../source/sandbox/sandbox.js';
import {GREEN_IMAGE, openSandbox, type SandboxFixture} from './sandbox-fixture.js';

type MachineJson = {id: string; state: string; config: {image: string; metadata: {fly_process_group: string}}; checks: Array<{status: string}>};

describe('the fly stand-in', () => {
	let fixture: SandboxFixture;
	beforeAll(async () => {
		fixture = await openSandbox();
	});
	afterAll(async () => {
		await fixture.dispose();
	});

	test('given a fresh sandbox, when fly status --json runs for blue, then it lists blue machines started on the blue image', async () => {
		const result = await fixture.fly(['status', '--app', SANDBOX_APPS.blue, '--json']);
		expect(result.exitCode).toBe(0);
		const status = JSON.parse(result.stdout) as {Name: string; Status: string; Machines: MachineJson[]};
		expect(status.Name).toBe(SANDBOX_APPS.blue);
		expect(status.Status).toBe('deployed');
		expect(status.Machines).toHaveLength(8);
		expect(new Set(status.Machines.map((machine) => machine.state))).toEqual(new Set(['started']));
		expect(status.Machines.every((machine) => machine.config.image === BLUE_IMAGE)).toBe(true);
		expect(status.Machines.filter((machine) => machine.config.metadata.fly_process_group === 'replay')).toHaveLength(4);
	});

	test('given green has no machines, when fly deploy --image runs with the canary strategy, then green machines start and pass checks', async () => {
		const deploy = await fixture.fly(['deploy', '--app', SANDBOX_APPS.green, '--image', GREEN_IMAGE, '--strategy', 'canary']);
		expect(deploy.stderr).toBe('');
		expect(deploy.exitCode).toBe(0);
		expect(deploy.stdout).toContain('Visit your newly deployed app');
		const listed = JSON.parse((await fixture.fly(['machine', 'list', '--app', SANDBOX_APPS.green, '--json'])).stdout) as MachineJson[];
		expect(listed).toHaveLength(2);
		expect(listed.every((machine) => machine.state === 'started' && machine.checks[0]?.status === 'passing')).toBe(true);
		const releases = JSON.parse((await fixture.fly(['releases', '--app', SANDBOX_APPS.green, '--json', '--image'])).stdout) as Array<{Status: string; ImageRef: string}>;
		expect(releases[0]).toMatchObject({Status: 'complete', ImageRef: GREEN_IMAGE});
	});

	test('when fly scale count 4 --yes runs on green, then fly scale show --json reports four machines', async () => {
		const scaled = await fixture.fly(['scale', 'count', '4', '--app', SANDBOX_APPS.green, '--yes']);
		expect(scaled.exitCode).toBe(0);
		const shown = JSON.parse((await fixture.fly(['scale', 'show', '--app', SANDBOX_APPS.green, '--json'])).stdout) as Array<{Process: string; Count: number}>;
		expect(shown).toEqual([expect.objectContaining({Process: 'app', Count: 4})]);
	});

	test('when a machine is cordoned and uncordoned, then the state file records it for the proxy', async () => {
		const [first] = JSON.parse((await fixture.fly(['machine', 'list', '--app', SANDBOX_APPS.blue, '--json'])).stdout) as MachineJson[];
		const id = first?.id as string;
		const stateFile = path.join(fixture.sessionDir, 'sandbox', 'fly-state.json');
		const cordoned = () => (JSON.parse(readFileSync(stateFile, 'utf8')) as {machines: Array<{id: string; cordoned: boolean}>}).machines.find((machine) => machine.id === id)?.cordoned;
		expect((await fixture.fly(['machine', 'cordon', id, '--app', SANDBOX_APPS.blue])).exitCode).toBe(0);
		expect(cordoned()).toBe(true);
		expect((await fixture.fly(['machine', 'uncordon', id, '--app', SANDBOX_APPS.blue])).exitCode).toBe(0);
		expect(cordoned()).toBe(false);
		const missing = await fixture.fly(['machine', 'cordon', 'ffffffffffffff', '--app', SANDBOX_APPS.blue]);
		expect(missing.exitCode).toBe(1);
		expect(missing.stderr).toContain('machine not found');
	});

	test('when secrets are imported from NAME=VALUE lines on stdin, then only names and digests are stored and nothing echoes a value', async () => {
		const value = 'postgres://api:s3cr3t-value@db/lokaltreu';
		const imported = await fixture.fly(['secrets', 'import', '--app', SANDBOX_APPS.green], `DATABASE_URL=${value}\n# comment\nJWKS_URL=https://auth.example/jwks\n`);
		expect(imported.exitCode).toBe(0);
		expect(`${imported.stdout}${imported.stderr}`).not.toContain('s3cr3t');
		const listed = await fixture.fly(['secrets', 'list', '--app', SANDBOX_APPS.green, '--json']);
		expect(listed.stdout).not.toContain('s3cr3t');
		expect((JSON.parse(listed.stdout) as Array<{Name: string}>).map((secret) => secret.Name).sort()).toEqual(['DATABASE_URL', 'JWKS_URL']);
		expect(readFileSync(path.join(fixture.sessionDir, 'sandbox', 'fly-state.json'), 'utf8')).not.toContain('s3cr3t');
		const broken = await fixture.fly(['secrets', 'import', '--app', SANDBOX_APPS.green], 'not a pair with s3cr3t\n');
		expect(broken.exitCode).toBe(1);
		expect(broken.stderr).toContain('NAME=VALUE');
		expect(broken.stderr).not.toContain('s3cr3t');
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

	test('when fly checks list --json runs, then every green machine reports its health check', async () => {
		const checks = JSON.parse((await fixture.fly(['checks', 'list', '--app', SANDBOX_APPS.green, '--json'])).stdout) as Array<{Status: string; MachineID: string}>;
		expect(checks.length).toBe(4);
		expect(checks.every((check) => check.Status === 'passing')).toBe(true);
	});
});
