import {describe, expect, it} from 'vitest';
import {reduce} from '../../source/engine/reduce.js';
import {initialState} from '../../source/engine/state.js';
import type {EngineEvent} from '../../source/engine/events.js';
import {remainingBakeMs} from '../../source/ui/step-lines.js';
import {parseRunbook, smallRunbook} from '../engine/fixture.js';

describe('remaining bake time of a traffic step', () => {
	// smallRunbook's traffic step: weights 50 and 100, bake 1s.
	const runbook = parseRunbook({
		...smallRunbook,
		phases: [{id: 'switch', title: 'Switch', steps: [{id: 'shift', title: 'Shift', kind: 'traffic', weights: [10, 50, 100], bake: '2m', run: ['shift', '{{weight}}'], gates: []}]}],
	});
	const fold = (events: EngineEvent[]) => events.reduce(reduce, initialState(runbook)).phases[0]!.steps[0]!;
	const started: EngineEvent = {type: 'step-started', phase: 'switch', step: 'shift', attempt: 1, ts: 0};

	it('given the second of three weights set 30 s ago, the rest of its bake plus one more bake remain', () => {
		const step = fold([started, {type: 'traffic-shifted', phase: 'switch', step: 'shift', weight: 10, ts: 1_000}, {type: 'traffic-shifted', phase: 'switch', step: 'shift', weight: 50, ts: 121_000}]);
		expect(remainingBakeMs(step, 151_000, 1)).toBe(90_000 + 120_000);
	});

	it('given speed 60, every bake is 2 s', () => {
		const step = fold([started, {type: 'traffic-shifted', phase: 'switch', step: 'shift', weight: 100, ts: 10_000}]);
		expect(remainingBakeMs(step, 10_500, 60)).toBe(1_500);
	});
});
