import {describe, expect, it} from 'vitest';
import {decide, type Actor} from '../../source/engine/decide.js';
import type {EventInput} from '../../source/engine/events.js';
import {fold, started} from './fixture.js';

// One rule for every intent: the run loop, both screens' keys and the autopilot all ask decide().

const alice: Actor = {operator: 'alice', role: 'driver'};
const bob: Actor = {operator: 'bob', role: 'driver'};
const bobPairing: Actor = {operator: 'bob', role: 'pair'};

const preDone: EventInput[] = [
	started,
	{type: 'step-started', phase: 'pre', step: 'ci', attempt: 1},
	{type: 'step-finished', phase: 'pre', step: 'ci', status: 'passed', exitCode: 0, durationMs: 5},
	{type: 'step-ticked', phase: 'pre', step: 'oncall', operator: 'alice'},
];
const switchPassed: EventInput[] = [
	...preDone,
	{type: 'phase-confirmed', phase: 'pre', operator: 'alice'},
	{type: 'step-started', phase: 'switch', step: 'shift', attempt: 1},
	{type: 'step-finished', phase: 'switch', step: 'shift', status: 'passed', exitCode: 0, durationMs: 5},
];

describe('decide: whether an intent is allowed now, and what it does', () => {
	it('given a ready phase, when the driver confirms it, then the decision is a phase-confirmed event by the driver', () => {
		expect(decide(fold(preDone), {type: 'confirm', phase: 'pre'}, alice)).toEqual({
			ok: true,
			action: {kind: 'emit', event: {type: 'phase-confirmed', phase: 'pre', operator: 'alice'}},
		});
	});

	it('given an unticked manual step, when the driver confirms, then it is refused as not ready, naming the step', () => {
		const state = fold(preDone.slice(0, -1));
		expect(decide(state, {type: 'confirm'}, alice)).toEqual({ok: false, notReady: true, reason: 'not ticked yet (Space): "On-call told"'});
	});

	it('given a screen a moment behind, when it confirms the phase it shows, then the next phase is never confirmed', () => {
		const state = fold([...preDone, {type: 'phase-confirmed', phase: 'pre', operator: 'alice'}]);
		expect(decide(state, {type: 'confirm', phase: 'pre'}, alice)).toMatchObject({ok: false, reason: expect.stringMatching(/"pre" is no longer the phase to confirm/)});
	});

	it('given a phase the driver confirms alone, when the pair confirms, then it is refused whatever the checks say', () => {
		expect(decide(fold(preDone), {type: 'confirm'}, bobPairing)).toMatchObject({ok: false, reason: expect.stringMatching(/confirmed by the driver alone/)});
	});

	it('given a four-eyes phase, the pair confirms only after the driver, and the driver never twice', () => {
		const ready = fold(switchPassed);
		expect(decide(ready, {type: 'confirm'}, bobPairing)).toMatchObject({ok: false, reason: expect.stringMatching(/the driver confirms "Switch" first/)});
		const once = fold([...switchPassed, {type: 'phase-confirmed', phase: 'switch', operator: 'alice'}]);
		expect(decide(once, {type: 'confirm'}, alice)).toMatchObject({ok: false, notReady: true, reason: expect.stringMatching(/needs a second operator/)});
		expect(decide(once, {type: 'confirm'}, bobPairing)).toMatchObject({ok: true, action: {event: {type: 'phase-confirmed', operator: 'bob'}}});
		expect(decide(once, {type: 'confirm'}, bob)).toMatchObject({ok: true});
	});

	it('given the pair, when it asks for anything but a note or a confirmation, then it is refused', () => {
		const state = fold(switchPassed);
		for (const intent of [{type: 'tick'}, {type: 'retry'}, {type: 'rollback', reason: 'x'}, {type: 'quit'}] as const) {
			expect(decide(state, intent, bobPairing)).toEqual({ok: false, reason: `a pair cannot ${intent.type}; the driver does`});
		}
		expect(decide(state, {type: 'note', text: ' looks fine '}, bobPairing)).toEqual({
			ok: true,
			action: {kind: 'emit', event: {type: 'note-added', text: 'looks fine', operator: 'bob'}},
		});
	});

	it('given production was not changed yet, rollback is refused; once a production step started, it rolls back with the reason', () => {
		expect(decide(fold(preDone), {type: 'rollback', reason: 'x'}, alice)).toMatchObject({ok: false, reason: expect.stringMatching(/^Rollback is offered once/)});
		expect(decide(fold(switchPassed), {type: 'rollback', reason: ' p95 high '}, alice)).toEqual({
			ok: true,
			action: {kind: 'roll-back', operator: 'alice', reason: 'p95 high'},
		});
	});

	it('given a failed step, t runs it again and o needs a reason; given an unknown one, t decides re-run', () => {
		const failed = fold([...preDone.slice(0, 2), {type: 'step-finished', phase: 'pre', step: 'ci', status: 'failed', exitCode: 3, durationMs: 5}]);
		expect(decide(failed, {type: 'retry'}, alice)).toEqual({ok: true, action: {kind: 'run-step', phase: 'pre', step: 'ci'}});
		expect(decide(failed, {type: 'override', reason: '  '}, alice)).toEqual({ok: false, reason: 'a break-glass override needs a reason'});
		const unknown = fold([...preDone.slice(0, 2), {type: 'step-finished', phase: 'pre', step: 'ci', status: 'unknown', durationMs: 5}]);
		expect(decide(unknown, {type: 'retry'}, alice)).toMatchObject({ok: true, action: {kind: 'emit', event: {type: 'outcome-decided', decision: 'rerun'}}});
		expect(decide(fold(preDone), {type: 'retry'}, alice)).toMatchObject({ok: false});
	});

	it('given the run has ended, every intent is refused', () => {
		const ended = fold([...preDone, {type: 'run-finished', outcome: 'stopped'}]);
		expect(decide(ended, {type: 'note', text: 'late'}, alice)).toEqual({ok: false, reason: 'the run has ended'});
	});
});
