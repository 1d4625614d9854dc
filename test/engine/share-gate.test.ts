import {describe, expect, test} from 'vitest';
import {judgeSample} from '../../source/engine/gate.js';
import {describeShareMiss, sampledGates, shareAtWeight, shareGate, shareGateIndex} from '../../source/engine/share-gate.js';
import {confirmBlocker} from '../../source/engine/select.js';
import type {EventInput} from '../../source/engine/events.js';
import type {TrafficStep} from '../../source/runbook/schema.js';
import {fold, parseRunbook, shareRunbook as runbook, shareSample, smallRunbook, toSwitchWithShare as toSwitch} from './fixture.js';

// A traffic step's share gate: green's measured share of all responses over a weight's bake,
// judged against the weight ± the tolerance, like any gate.

const share = {metric: 'greenShare', tolerance: 10};

describe('the share gate at a weight', () => {
	test('given a tolerance of 10 points, then weight 25 holds from 15 to 35 % over the whole bake', () => {
		expect(shareGate(share, 25)).toEqual({metric: 'greenShare', min: 15, max: 35, window: 'bake'});
	});

	test('given a bound beyond 0 or 100 %, then it is left out: at 5 only a maximum, at 100 only a minimum', () => {
		expect(shareGate(share, 5)).toEqual({metric: 'greenShare', max: 15, window: 'bake'});
		expect(shareGate(share, 100)).toEqual({metric: 'greenShare', min: 90, window: 'bake'});
	});

	test('the gate keeps the share\'s own evidence and tally rules', () => {
		expect(shareGate({...share, minCount: 200, samples: 2, failureLimit: 1}, 50)).toEqual({
			metric: 'greenShare',
			min: 40,
			max: 60,
			minCount: 200,
			samples: 2,
			failureLimit: 1,
			window: 'bake',
		});
	});

	test('given a measured share, then it is judged like any gate: inside passes, outside fails with the value, no value is unknown', () => {
		const gate = shareGate({...share, minCount: 200}, 25);
		const counted = (value: number | null, count = 400) => ({value, evidence: {count, noun: 'requests'}});
		expect(judgeSample(gate, counted(31), undefined, '%').verdict).toBe('pass');
		expect(judgeSample(gate, counted(62), undefined, '%')).toMatchObject({verdict: 'fail', reason: 'greenShare 62 % > 35 %'});
		expect(judgeSample(gate, counted(9), undefined, '%')).toMatchObject({verdict: 'fail', reason: 'greenShare 9 % < 15 %'});
		expect(judgeSample(gate, {value: null, reason: 'no data for the query'}, undefined, '%')).toMatchObject({verdict: 'unknown', reason: 'no data for the query'});
		expect(judgeSample(gate, counted(31, 120), undefined, '%')).toMatchObject({verdict: 'unknown', insufficient: true});
	});

	test('the share gate comes after the runbook\'s own gates; a step without share has none', () => {
		const step = parseRunbook(smallRunbook).phases[1]?.steps[0] as TrafficStep;
		expect(shareGateIndex(step)).toBeUndefined();
		expect(sampledGates(step, 50)).toEqual(step.gates);
		const withShare = {...step, share};
		expect(shareGateIndex(withShare)).toBe(1);
		expect(sampledGates(withShare, 50).map((gate) => gate.metric)).toEqual(['p95', 'greenShare']);
	});

	test('a failed weight names the measured share beside the intended weight', () => {
		expect(describeShareMiss(share, 20, 96, 'greenShare 96 % > 30 %')).toBe('measured 96 % on green, weight 20 % ± 10: greenShare 96 % > 30 %');
		expect(describeShareMiss(share, 20, null, 'greenShare unknown: no data')).toBe('share on green unknown, weight 20 % ± 10: greenShare unknown: no data');
	});
});

describe('the share gate in the state', () => {
	const shiftStep = (events: EventInput[]) => fold(events, runbook).phases[1]!.steps[0]!;

	test('given a traffic step with a share, then its state has a gate for it after its own', () => {
		expect(shiftStep(toSwitch).gates.map((gate) => gate.metric)).toEqual(['p95', 'greenShare']);
	});

	test('given a new weight, then the share gate\'s bounds follow it, for the chart and the threshold', () => {
		const state = shiftStep([...toSwitch, {type: 'traffic-shifted', phase: 'switch', step: 'shift', weight: 50}]);
		expect(state.gates[1]?.gate).toMatchObject({min: 40, max: 60});
		expect(state.gates[0]?.gate).toMatchObject({metric: 'p95', max: 300});
	});

	test('the measured share counts only from samples at the current weight', () => {
		const at20: EventInput[] = [...toSwitch, {type: 'traffic-shifted', phase: 'switch', step: 'shift', weight: 20}, shareSample(21.4, 'pass', 20)];
		expect(shareAtWeight(shiftStep(at20))).toEqual({value: 21.4, insufficient: false});
		expect(shareAtWeight(shiftStep([...at20, {type: 'traffic-shifted', phase: 'switch', step: 'shift', weight: 50}]))).toBeUndefined();
	});
});

describe('why the phase cannot be confirmed', () => {
	test('given the share failed while the latency gate had no verdict, then the blocker names the share, not the latency', () => {
		const p95Unknown: EventInput = {
			type: 'gate-sampled',
			phase: 'switch',
			step: 'shift',
			gate: 0,
			metric: 'p95',
			colour: 'green',
			value: 33.6,
			verdict: 'unknown',
			weight: 20,
			insufficient: true,
			reason: 'insufficient data: blue: 0 requests in 5 s, need 50',
		};
		const state = fold(
			[
				...toSwitch,
				{type: 'traffic-shifted', phase: 'switch', step: 'shift', weight: 20},
				p95Unknown,
				shareSample(100, 'fail', 20, {reason: 'greenShare 100 % > 30 %'}),
				{type: 'step-finished', phase: 'switch', step: 'shift', status: 'failed', durationMs: 7000, reason: 'at 20%: measured 100 % on green, weight 20 % ± 10: greenShare 100 % > 30 %'},
			],
			runbook,
		);
		expect(confirmBlocker(state)).toMatch(/^gate greenShare failed: greenShare 100 % > 30 %/);
	});
});
