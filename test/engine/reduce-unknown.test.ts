import {describe, expect, it} from 'vitest';
import type {EngineEvent} from '../../source/engine/events.js';
import {reduce, replay} from '../../source/engine/reduce.js';
import {initialState} from '../../source/engine/state.js';
import {at, fold, parseRunbook, started} from './fixture.js';

describe('engine: an event of an unknown type', () => {
	it('given a running release, when an event of an unknown type arrives, then the state stays exactly as it was', () => {
		const state = fold([started]);
		const unknown = {type: '«redacted»', ts: 5, phase: '«redacted»', step: '«redacted»'} as unknown as EngineEvent;
		expect(reduce(state, unknown)).toBe(state);
	});

	it('given a journal with an unknown event in the middle, when replayed, then the events around it still fold', () => {
		const events: EngineEvent[] = [
			at(started),
			at({type: 'step-started', phase: 'pre', step: 'ci', attempt: 1}),
			{type: 'step-paused', ts: 7, phase: 'pre', step: 'ci'} as unknown as EngineEvent,
			at({type: 'step-finished', phase: 'pre', step: 'ci', status: 'passed', exitCode: 0, durationMs: 5}),
		];
		const state = replay(initialState(parseRunbook()), events);
		expect(state.started).toBe(true);
		expect(state.phases[0]?.steps[0]?.status).toBe('passed');
	});
});
