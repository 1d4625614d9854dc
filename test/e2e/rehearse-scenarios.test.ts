import {describe, expect, test} from 'vitest';
import {finished, firstFailure, lastGreenShare, rehearse} from './rehearse-run.js';

// The remaining faults: each must stop the release at the check that is meant to catch it, then roll back.

const cases = [
	{scenario: 'token-invalid-spike', phase: 'smoke', steps: ['observability'], reason: 'tokenInvalid'},
	{scenario: 'deploy-fails', phase: 'vorbereitung', steps: ['green-deploy'], reason: 'exited with code 1'},
	// A flapping /health is caught by whichever smoke check first lands in a bad half-second: the
	// checks, the health probe, or the contract suite (Prism: an undeclared 503 on GET /health).
	{scenario: 'health-flap', phase: 'smoke', steps: ['fly-status', 'health-checks', 'health', 'contract'], reason: ''},
	{scenario: 'metrics-outage', phase: 'smoke', steps: ['observability'], reason: 'unknown'},
];

describe('greenlight rehearse --on-fail rollback', () => {
	for (const {scenario, phase, steps, reason} of cases) {
		test(`${scenario}: fails at ${phase}/${steps.join('|')}, rolls back, traffic back on blue`, async () => {
			const run = await rehearse(['--speed', '30', '--scenario', scenario, '--on-fail', 'rollback']);
			expect(run.exitCode, run.stderr).toBe(1);
			const failure = firstFailure(run.events);
			expect(failure?.phase).toBe(phase);
			expect(steps, JSON.stringify(failure)).toContain(failure?.step);
			expect(failure?.reason ?? '').toContain(reason);
			const rollback = finished(run.events, 'rollback');
			expect(rollback.map((event) => event.step)).toEqual(expect.arrayContaining(['zurueck-auf-blue', 'vorherige-version', 'traffic-auf-blue']));
			expect(rollback.every((event) => event.status === 'passed'), JSON.stringify(rollback)).toBe(true);
			expect(lastGreenShare(run.events)).toBeLessThanOrEqual(1);
			expect(run.events.at(-1)).toMatchObject({type: 'run-finished', outcome: 'rolled-back'});
		}, 480_000);
	}
});
