import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {readState, STATE_ENV, updateState} from '../../source/sandbox/fly-state.js';
import {SANDBOX_APPS} from '../../source/sandbox/sandbox.js';
import {shiftTraffic, splitForWeight} from '../../source/tools/traffic-lever.js';
import {call, countBy, openSandboxWithGreen, type SandboxFixture} from '../sandbox/sandbox-fixture.js';

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
/** One poll's pause while waiting for a state. */
const settle100 = () => new Promise((resolve) => setTimeout(resolve, 100));

describe('the traffic lever and the proxy', () => {
	let fixture: SandboxFixture;
	const sample = async (count: number) => {
		const answers = [];
		for (let index = 0; index < count; index += 1) answers.push(await call(fixture.sandbox.variables.publicUrl as string, '/v1/rewards'));
		return answers;
	};
	const shift = (weight: number) => shiftTraffic({app: SANDBOX_APPS.blue, greenApp: SANDBOX_APPS.green, weight, env: fixture.sandbox.env});

	beforeAll(async () => {
		fixture = await openSandboxWithGreen();
	});
	afterAll(async () => {
		await fixture.dispose();
	});

	test('given blue in production, when requests reach the public hostname, then only the four blue machines answer, spread over all', async () => {
		const answers = await sample(40);
		expect(countBy(answers, (answer) => answer.colour)).toEqual({blue: 40});
		// Fly's proxy picks at random among equally loaded, equally close machines: roughly even, never exact.
		const perMachine = Object.values(countBy(answers, (answer) => answer.servedBy));
		expect(perMachine).toHaveLength(4);
		for (const count of perMachine) expect(count).toBeGreaterThanOrEqual(2);
	});

	test('when one blue machine is cordoned, then it gets no more requests; uncordoned, it gets them again', async () => {
		const [first] = await sample(1);
		const id = first?.servedBy as string;
		await fixture.fly(['machine', 'cordon', id, '--app', SANDBOX_APPS.blue]);
		await settle();
		expect((await sample(30)).some((answer) => answer.servedBy === id)).toBe(false);
		await fixture.fly(['machine', 'uncordon', id, '--app', SANDBOX_APPS.blue]);
		await settle();
		expect((await sample(30)).some((answer) => answer.servedBy === id)).toBe(true);
	});

	test('when the lever shifts 50 %, then half the requests are replayed to green; at 0 % all are blue again', async () => {
		const half = await shift(50);
		expect(half).toMatchObject({ok: true});
		expect(half.message).toContain('green ≈ 50%');
		await settle();
		const mixed = countBy(await sample(60), (answer) => answer.colour);
		expect((mixed.blue ?? 0) + (mixed.green ?? 0)).toBe(60);
		expect(mixed.green).toBeGreaterThanOrEqual(18);
		expect(mixed.green).toBeLessThanOrEqual(42);
		expect((await shift(0)).ok).toBe(true);
		await settle();
		expect(countBy(await sample(40), (answer) => answer.colour)).toEqual({blue: 40});
	});

	test('when the lever shifts 100 %, then green answers everything', async () => {
		expect((await shift(100)).ok).toBe(true);
		await settle();
		expect(countBy(await sample(20), (answer) => answer.colour)).toEqual({green: 20});
		await shift(0);
	});

	test('given captured blue machine ids that do not exist, then the lever refuses with the ids named', async () => {
		const result = await shiftTraffic({app: SANDBOX_APPS.blue, greenApp: SANDBOX_APPS.green, weight: 0, env: fixture.sandbox.env, blueMachines: ['00000000000000']});
		expect(result.ok).toBe(false);
		expect(result.message).toContain('00000000000000');
	});

	test('given green at 100 % and every blue app machine crashed (a failed deploy into blue\'s app group), when the lever is asked for 0 %, then it refuses naming them and moves nothing', async () => {
		const stateFile = fixture.sandbox.env[STATE_ENV] as string;
		const blueApp = () => readState(stateFile).machines.filter((machine) => machine.app === SANDBOX_APPS.blue && machine.processGroup === 'app');
		const setState = (state: 'stopped' | 'starting') =>
			updateState(stateFile, (fresh) => {
				for (const machine of fresh.machines) if (machine.app === SANDBOX_APPS.blue && machine.processGroup === 'app') machine.state = state;
			});
		expect((await shift(100)).ok).toBe(true);
		setState('stopped');
		const cordons = () => readState(stateFile).machines.filter((machine) => machine.app === SANDBOX_APPS.blue).map((machine) => [machine.id, machine.cordoned]);
		const before = cordons();
		try {
			const refused = await shift(0);
			expect(refused.ok).toBe(false);
			expect(refused.message).toMatch(/^no blue machine can take traffic: (\w{14} is stopped; ){3}\w{14} is stopped\. Nothing was moved/);
			expect(cordons()).toEqual(before);
		} finally {
			// The supervisor starts them again; wait until they serve, then back to blue.
			setState('starting');
			for (let waited = 0; waited < 30_000 && blueApp().some((machine) => machine.state !== 'started'); waited += 100) await settle100();
			expect((await shift(0)).ok).toBe(true);
		}
	});

	test('a weight maps to the machine split closest to it', () => {
		expect(splitForWeight(10, 4, 4)).toEqual({green: 1, blue: 4});
		expect(splitForWeight(25, 4, 4)).toEqual({green: 1, blue: 3});
		expect(splitForWeight(50, 4, 4)).toEqual({green: 4, blue: 4});
		expect(splitForWeight(0, 4, 4)).toEqual({green: 0, blue: 4});
		expect(splitForWeight(100, 4, 4)).toEqual({green: 4, blue: 0});
	});
});
