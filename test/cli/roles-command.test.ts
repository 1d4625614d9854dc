import path from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {SANDBOX_APPS} from '../../source/sandbox/sandbox.js';
import {openSandboxWithGreen, type SandboxFixture} from '../sandbox/sandbox-fixture.js';

// `greenlight roles` from the command line, against the sandbox's fly: what an operator and a runbook step read.

const cli = path.join(path.resolve(import.meta.dirname, '../..'), 'dist/cli/main.js');
const apps = ['--app', SANDBOX_APPS.blue, '--green-app', SANDBOX_APPS.green];

describe('greenlight roles', () => {
	let fixture: SandboxFixture;
	const roles = async (args: string[]) => {
		const result = await execa(process.execPath, [cli, 'roles', ...args], {env: fixture.sandbox.env, reject: false, timeout: 60_000});
		return {exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr)};
	};
	const shift = (weight: number) => execa(process.execPath, [cli, 'shift', ...apps, '--weight', String(weight)], {env: fixture.sandbox.env, timeout: 60_000});

	beforeAll(async () => {
		fixture = await openSandboxWithGreen();
	});
	afterAll(async () => {
		await fixture.dispose();
	});

	test('given blue in production, then it names the live app group and the idle app with its version, exit 0', async () => {
		const result = await roles(apps);
		expect(result).toMatchObject({exitCode: 0, stderr: ''});
		expect(result.stdout.split('\n')).toEqual(['live: lokaltreu-api (app group, 4 of 4 machines in service, 2.3.1)', 'idle: lokaltreu-api-green (2.4.0)']);
	});

	test('given a switch under way (50 %), then --json still prints the counts and it exits 1 with the reason, no stack trace', async () => {
		await shift(50);
		try {
			const result = await roles([...apps, '--json']);
			expect(result.exitCode).toBe(1);
			expect(JSON.parse(result.stdout)).toMatchObject({live: null, idle: null, serving: [SANDBOX_APPS.blue, SANDBOX_APPS.green], replayInService: 4, appInService: 4});
			expect(result.stderr).toBe(
				"lokaltreu-api-green carries production traffic (4 of 4 replay machines of lokaltreu-api in service, beside 4 of 4 app machines): a switch is under way, and deploying into lokaltreu-api-green would change production. Finish the last release's 'Green als neue Blue deklarieren' or roll it back (greenlight shift --weight 0) first.",
			);
		} finally {
			await shift(0);
		}
	});

	test('given a missing or repeated app, or an app fly does not know, then it says so: exit 2 for usage, 1 for fly', async () => {
		expect(await roles(['--app', SANDBOX_APPS.blue])).toMatchObject({exitCode: 2, stderr: expect.stringContaining('greenlight: roles needs --green-app APP')});
		expect(await roles(['--app', 'a', '--green-app', 'a'])).toMatchObject({exitCode: 2, stderr: expect.stringContaining('roles needs two apps')});
		const unknown = await roles(['--app', SANDBOX_APPS.blue, '--green-app', 'lokaltreu-api-gren']);
		expect(unknown.exitCode).toBe(1);
		expect(unknown.stderr).toMatch(/^fly machine list --app lokaltreu-api-gren --json: .*Could not find App "lokaltreu-api-gren"/);
		expect(unknown.stderr).not.toMatch(/\n\s+at /);
	});
});
