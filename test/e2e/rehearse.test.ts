import {describe, expect, test} from 'vitest';
import {finished, firstFailure, lastGreenShare, rehearse, type Rehearsal} from './rehearse-run.js';

// The headless rehearsal of the committed runbook against the sandbox, as `npm start` runs it with keys.
// Runs that reach the traffic switch keep the default speed (20): at 20 % green serves about a fifth
// of the sandbox's production traffic (6 rps × the speed, capped at 240), and a compressed bake must
// still hold the requests its gates need, with room on a busy machine.

const expectRolledBackToBlue = (run: Rehearsal) => {
	expect(run.exitCode).toBe(1);
	expect(run.events.some((event) => event.type === 'rollback-started')).toBe(true);
	const rollback = finished(run.events, 'rollback');
	expect(rollback.map((event) => event.step)).toEqual(expect.arrayContaining(['zurueck-auf-blue', 'vorherige-version', 'traffic-auf-blue']));
	expect(rollback.every((event) => event.status === 'passed'), JSON.stringify(rollback)).toBe(true);
	expect(lastGreenShare(run.events)).toBeLessThanOrEqual(1);
	expect(run.events.at(-1)).toMatchObject({type: 'run-finished', outcome: 'rolled-back'});
};

describe('greenlight rehearse', () => {
	test('skewed-share: Fly\'s proxy sends green far more than the lever\'s weight; the share gate stops the switch at 20 % naming the measured share, and the rollback runs', async () => {
		const run = await rehearse(['--scenario', 'skewed-share', '--on-fail', 'rollback']);
		expect(firstFailure(run.events)).toMatchObject({
			phase: 'traffic-switch',
			step: 'traffic-erhoehen',
			reason: expect.stringMatching(/^at 20%: measured (6\d|7\d|8\d|9\d|100)(\.\d)? % on green, weight 20 % ± 10: greenShare [\d.]+ % > 30 %/),
		});
		expectRolledBackToBlue(run);
	}, 480_000);

	test('green-latency: the traffic switch fails on p95, the rollback runs and traffic is measurably back on blue', async () => {
		const run = await rehearse(['--scenario', 'green-latency', '--on-fail', 'rollback']);
		expect(firstFailure(run.events)).toMatchObject({phase: 'traffic-switch', step: 'traffic-erhoehen', reason: expect.stringContaining('p95')});
		expectRolledBackToBlue(run);
	}, 480_000);

	test('green-latency-subtle: every request 40 % slower is far below the absolute bound, but the comparison with blue catches it, with effect and confidence', async () => {
		const run = await rehearse(['--scenario', 'green-latency-subtle', '--on-fail', 'rollback']);
		expect(firstFailure(run.events)).toMatchObject({
			phase: 'traffic-switch',
			step: 'traffic-erhoehen',
			reason: expect.stringMatching(/p95 [\d.]+ ms > 1\.20× blue \([\d.]+ ms\): green p95 \+\d+(\.\d)? % vs blue, significant at 99 %/),
		});
		expectRolledBackToBlue(run);
	}, 480_000);

	test('green-5xx: the traffic switch fails on the error rate, the rollback brings traffic back to blue', async () => {
		const run = await rehearse(['--scenario', 'green-5xx', '--on-fail', 'rollback']);
		expect(firstFailure(run.events)).toMatchObject({phase: 'traffic-switch', reason: expect.stringContaining('errors')});
		expectRolledBackToBlue(run);
	}, 480_000);

	test('contract-break: the contract step fails with Prism\'s violation text, the rollback runs', async () => {
		const run = await rehearse(['--speed', '30', '--scenario', 'contract-break', '--on-fail', 'rollback']);
		expect(firstFailure(run.events)).toMatchObject({phase: 'smoke', step: 'contract'});
		const output = run.events.filter((event) => event.type === 'step-output' && event.step === 'contract').flatMap((event) => event.lines ?? []);
		expect(output.join('\n')).toMatch(/points must be integer/);
		expectRolledBackToBlue(run);
	}, 480_000);
});
