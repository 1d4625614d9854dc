import {describe, expect, it} from 'vitest';
import type {EventInput} from '../../source/engine/events.js';
import {nextAutoAction} from '../../source/run/autopilot.js';
import {fold, started} from '../engine/fixture.js';

// --yes, --on-fail and --on-unknown: what greenlight does when nobody is at the keyboard.

const ciRan = (status: 'passed' | 'failed' | 'unknown'): EventInput[] => [
	started,
	{type: 'step-started', phase: 'pre', step: 'ci', attempt: 1},
	{type: 'step-finished', phase: 'pre', step: 'ci', status, durationMs: 5, reason: status === 'failed' ? 'exit code 3' : undefined},
];

describe('autopilot', () => {
	it('given a manual step waits, then it ticks it; given the phase is ready, then it confirms it', () => {
		const policy = {onFail: 'stop', onUnknown: 'stop'} as const;
		expect(nextAutoAction(fold(ciRan('passed')), policy, 'alice')).toEqual({kind: 'send', intent: {type: 'tick'}});
		const ticked = fold([...ciRan('passed'), {type: 'step-ticked', phase: 'pre', step: 'oncall', operator: 'alice'}]);
		expect(nextAutoAction(ticked, policy, 'alice')).toEqual({kind: 'send', intent: {type: 'confirm'}});
	});

	it('given a failure before production changed, --on-fail rollback still fails the run: there is nothing to roll back', () => {
		expect(nextAutoAction(fold(ciRan('failed')), {onFail: 'rollback', onUnknown: 'stop'}, 'alice')).toEqual({
			kind: 'finish',
			outcome: 'failed',
			reason: 'pre/ci failed: exit code 3',
		});
	});

	it('given an unknown outcome, --on-unknown stop stops naming the step and rerun decides re-run', () => {
		expect(nextAutoAction(fold(ciRan('unknown')), {onFail: 'stop', onUnknown: 'stop'}, 'alice')).toMatchObject({
			kind: 'finish',
			outcome: 'stopped',
			reason: expect.stringMatching(/"CI green" \(pre\/ci\) is unknown/),
		});
		expect(nextAutoAction(fold(ciRan('unknown')), {onFail: 'stop', onUnknown: 'rerun'}, 'alice')).toEqual({
			kind: 'send',
			intent: {type: 'decide', decision: 'rerun'},
			stopIfRefused: true,
		});
	});

	it('given a four-eyes phase this operator confirmed, then it waits for a second operator', () => {
		const events: EventInput[] = [
			...ciRan('passed'),
			{type: 'step-ticked', phase: 'pre', step: 'oncall', operator: 'alice'},
			{type: 'phase-confirmed', phase: 'pre', operator: 'alice'},
			{type: 'step-started', phase: 'switch', step: 'shift', attempt: 1},
			{type: 'step-finished', phase: 'switch', step: 'shift', status: 'passed', durationMs: 5},
			{type: 'phase-confirmed', phase: 'switch', operator: 'alice'},
		];
		expect(nextAutoAction(fold(events), {onFail: 'stop', onUnknown: 'stop'}, 'alice')).toBeUndefined();
	});
});
