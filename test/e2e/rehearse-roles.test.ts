import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterAll, describe, expect, test} from 'vitest';
import {sandboxTokenOf} from '../../source/sandbox/fly/auth.js';
import {readState, STATE_ENV, type FlyState} from '../../source/sandbox/fly-state.js';
import {SANDBOX_APPS} from '../../source/sandbox/sandbox.js';
import {finished, firstFailure, measuredShares, rehearse, type JsonEvent, type Rehearsal} from './rehearse-run.js';

// Roles, not names (issue #9, item 5): two releases in a row in one sandbox world. The second must
// deploy into the app that carried no traffic when it started, and a world in which the green app
// still carries production (a release switched fully and never promoted) stops the next release at
// its roles step, before any deploy.

const repo = path.resolve(import.meta.dirname, '..', '..');
const world = mkdtempSync(path.join(os.tmpdir(), 'greenlight-world-'));
afterAll(() => rmSync(world, {recursive: true, force: true}));

const stateOf = (): FlyState => readState(path.join(world, 'fly-state.json'));
const machinesOf = (state: FlyState, app: string, group?: string) =>
	state.machines.filter((machine) => machine.app === app && machine.state !== 'destroyed' && (group === undefined || machine.processGroup === group));
const versions = (machines: Array<{image: string}>) => [...new Set(machines.map((machine) => machine.image.split(':').at(-1)))];

/** What the roles step printed (its --json object). */
const rolesOf = (events: JsonEvent[]) => {
	const line = events
		.filter((event) => event.type === 'step-output' && event.step === 'rollen')
		.flatMap((event) => event.lines ?? [])
		.find((entry) => entry.startsWith('{'));
	return line === undefined ? undefined : (JSON.parse(line) as {live: string | null; idle: string | null; serving: string[]; replayInService: number; idleVersions: string[]});
};

/** Every fly deploy a rehearsal ran, as its command line. */
const deploys = (events: JsonEvent[]) =>
	events
		.filter((event) => event.type === 'step-output')
		.flatMap((event) => event.lines ?? [])
		.filter((line) => line.startsWith('$ fly deploy '));

const expectCompleted = (run: Rehearsal) => {
	expect(run.exitCode, `${run.stderr}\n${JSON.stringify(firstFailure(run.events))}`).toBe(0);
	expect(run.events.at(-1)).toMatchObject({type: 'run-finished', outcome: 'completed'});
};

/** After a release and its promotion: blue's app group serves `version`, green runs it idle, no replay machine in service. */
const expectPromoted = (version: string) => {
	const state = stateOf();
	const app = machinesOf(state, SANDBOX_APPS.blue, 'app');
	expect(versions(app)).toEqual([version]);
	expect(app.every((machine) => !machine.cordoned)).toBe(true);
	expect(machinesOf(state, SANDBOX_APPS.blue, 'replay').every((machine) => machine.cordoned)).toBe(true);
	expect(versions(machinesOf(state, SANDBOX_APPS.green))).toEqual([version]);
};

describe('two releases in one sandbox world', () => {
	test('given 2.4.0 released and promoted, when 2.5.0 is rehearsed in the same world, then it deploys into the idle green app, never into the app carrying traffic, and both complete', async () => {
		const first = await rehearse(['--world', world]);
		expectCompleted(first);
		expect(rolesOf(first.events)).toMatchObject({live: SANDBOX_APPS.blue, idle: SANDBOX_APPS.green, replayInService: 0, idleVersions: []});
		expect(finished(first.events, 'nacharbeiten').map((event) => [event.step, event.status])).toEqual(
			expect.arrayContaining([
				['green-wird-blue', 'passed'],
				['traffic-zurueck-auf-blue', 'passed'],
			]),
		);
		// The switch (20, 50, 100), then the promotion's return to blue's app group (0), each within ±10 points of its weight.
		expect(first.events.filter((event) => event.type === 'traffic-shifted').map((event) => event.weight)).toEqual([20, 50, 100, 0]);
		for (const weight of [20, 50, 100, 0]) {
			const share = measuredShares(first.events).filter((sample) => sample.weight === weight).at(-1);
			expect(share?.verdict).toBe('pass');
			expect(Math.abs((share?.value ?? Number.NaN) - weight)).toBeLessThanOrEqual(10);
		}
		// The smoke watch drove its own load at green's hostname and logged what it saw.
		const smokeLog = first.events.filter((event) => event.type === 'step-output' && event.step === 'observability').flatMap((event) => event.lines ?? []);
		expect(smokeLog.some((line) => /^load: \d+ requests in [\d.]+ s .* · 0 errors/.test(line))).toBe(true);
		expectPromoted('2.4.0');

		const second = await rehearse(['--world', world, '--var', 'version=2.5.0']);
		expectCompleted(second);
		// At its start the live side was blue's app group on 2.4.0, and green (2.4.0) was idle.
		expect(rolesOf(second.events)).toMatchObject({live: SANDBOX_APPS.blue, idle: SANDBOX_APPS.green, serving: [SANDBOX_APPS.blue], replayInService: 0, idleVersions: ['2.4.0']});
		// Its first deploy went into green; blue got 2.5.0 only by the promotion, into its cordoned app group.
		const [greenDeploy, promotion, ...others] = deploys(second.events);
		expect(greenDeploy).toMatch(new RegExp(`--app ${SANDBOX_APPS.green} --image registry\\.fly\\.io/lokaltreu-api:2\\.5\\.0 --strategy canary$`));
		expect(promotion).toMatch(new RegExp(`--app ${SANDBOX_APPS.blue} --image registry\\.fly\\.io/lokaltreu-api:2\\.5\\.0 --process-groups app --strategy rolling$`));
		expect(others).toEqual([]);
		const order = second.events.filter((event) => event.type === 'step-started').map((event) => event.step);
		expect(order.indexOf('rollen')).toBeLessThan(order.indexOf('green-deploy'));
		expect(order.indexOf('switch-komplettieren')).toBeLessThan(order.indexOf('green-wird-blue'));
		expectPromoted('2.5.0');
		// The world's releases say the same: blue's two promotions, each after green's deploy of that version.
		const state = stateOf();
		const blueReleases = state.apps[SANDBOX_APPS.blue]?.releases.filter((release) => release.status === 'complete').map((release) => release.imageRef.split(':').at(-1));
		expect(blueReleases?.slice(-2)).toEqual(['2.4.0', '2.5.0']);
	}, 960_000);

	test('given a world where the last release switched fully and was never promoted, when the next release starts, then its roles step fails before any deploy, naming the cause', async () => {
		// The state a release leaves when it stops after "Switch komplettieren": the lever at 100 %.
		const bin = mkdtempSync(path.join(os.tmpdir(), 'greenlight-world-bin-'));
		try {
			const fly = path.join(bin, 'fly');
			writeFileSync(fly, `#!/bin/sh\nexec "${process.execPath}" "${path.join(repo, 'dist', 'sandbox', 'fly-stand-in.js')}" "$@"\n`);
			chmodSync(fly, 0o755);
			const auth = stateOf().auth;
			if (!auth) throw new Error('the world has no sandbox token');
			const env = {PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`, [STATE_ENV]: path.join(world, 'fly-state.json'), FLY_API_TOKEN: sandboxTokenOf(auth)};
			const shifted = await execa(process.execPath, [path.join(repo, 'dist', 'cli', 'main.js'), 'shift', '--app', SANDBOX_APPS.blue, '--green-app', SANDBOX_APPS.green, '--weight', '100'], {env, reject: false});
			expect(shifted.exitCode, String(shifted.stderr)).toBe(0);
		} finally {
			rmSync(bin, {recursive: true, force: true});
		}
		const greenBefore = versions(machinesOf(stateOf(), SANDBOX_APPS.green));

		const third = await rehearse(['--world', world, '--var', 'version=2.6.0']);
		expect(third.exitCode).toBe(1);
		expect(firstFailure(third.events)).toMatchObject({phase: 'vorbereitung', step: 'rollen'});
		const output = third.events.filter((event) => event.type === 'step-output' && event.step === 'rollen').flatMap((event) => event.lines ?? []).join('\n');
		expect(output).toContain(
			"lokaltreu-api-green carries production traffic (4 of 4 replay machines of lokaltreu-api in service): deploying into it would change production. Finish the last release's 'Green als neue Blue deklarieren' or roll it back (greenlight shift --weight 0) first.",
		);
		expect(third.events.some((event) => event.type === 'step-started' && event.step === 'green-deploy')).toBe(false);
		expect(deploys(third.events)).toEqual([]);
		expect(versions(machinesOf(stateOf(), SANDBOX_APPS.green))).toEqual(greenBefore);
	}, 480_000);
});
