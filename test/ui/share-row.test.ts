import {describe, expect, test} from 'vitest';
import type {EventInput} from '../../source/engine/events.js';
import {stepBlock} from '../../source/ui/step-lines.js';
import {fold, shareRunbook as runbook, shareSample, toSwitchWithShare as toSwitch} from '../engine/fixture.js';

// The traffic step's row shows the measured share beside the weight the lever was asked for.

describe('the traffic step row with a share gate', () => {
	test('given a share far above the weight, then the row says "weight 20 % · measured 96 %" and the failing share gate', () => {
		const events: EventInput[] = [
			...toSwitch,
			{type: 'traffic-shifted', phase: 'switch', step: 'shift', weight: 20},
			shareSample(96, 'fail', 20, {threshold: '≥ 10 %, ≤ 30 %', reason: 'greenShare 96 % > 30 %'}),
		];
		const state = fold(events, runbook);
		const block = stepBlock(state.phases[1]!, 0, true, {state, now: Date.now(), speed: 20, role: 'driver'});
		const evidence = block.details.find((line) => line.key.endsWith('#evidence'))?.text ?? '';
		expect(evidence).toContain('weight 20 % (1/2) · measured 96 %');
		expect(evidence).toContain('greenShare');
		expect(evidence).toContain('96 %');
	});

	test('given a share still short of its requests, then the row says it is measuring, not a value', () => {
		const events: EventInput[] = [
			...toSwitch,
			{type: 'traffic-shifted', phase: 'switch', step: 'shift', weight: 20},
			{...(shareSample(40, 'pass', 20) as object), verdict: 'unknown', insufficient: true, count: 12, needed: 200} as EventInput,
		];
		const state = fold(events, runbook);
		const block = stepBlock(state.phases[1]!, 0, true, {state, now: Date.now(), speed: 20, role: 'driver'});
		expect(block.details.find((line) => line.key.endsWith('#evidence'))?.text).toContain('weight 20 % (1/2) · measuring');
	});
});
