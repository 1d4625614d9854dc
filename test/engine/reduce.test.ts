import {describe, expect, it} from 'vitest';
import {
	allPhasesConfirmed,
	canRollback,
	confirmBlocker,
	currentPhase,
	displayStatus,
	nextAutomatedStep,
	rollbackDone,
	stepAwaitingOperator,
} from '../../source/engine/select.js';
import {LOG_TAIL_LIMIT, SERIES_LIMIT} from '../../source/engine/state.js';
import type {EventInput} from '../../source/engine/events.js';
import {fold, started} from './fixture.js';

const passCi: EventInput[] = [
	{type: 'step-started', phase: 'pre', step: 'ci', attempt: 1},
	{type: 'step-finished', phase: 'pre', step: 'ci', status: 'passed', exitCode: 0, durationMs: 5},
];

describe('engine: a run folded from events', () => {
	it('given nothing has started, no step is due', () => {
		expect(nextAutomatedStep(fold([]))).toBeUndefined();
	});

	it('given the run started, the first automated step of the first phase is due', () => {
		const state = fold([started]);
		expect(currentPhase(state)?.id).toBe('pre');
		expect(nextAutomatedStep(state)?.step.id).toBe('ci');
	});

	it('given the check passed but the manual step is not ticked, the phase cannot be confirmed and the blocker says Space', () => {
		const state = fold([started, ...passCi]);
		expect(nextAutomatedStep(state)).toBeUndefined();
		expect(confirmBlocker(state)).toMatch(/^not ticked yet \(Space\): "On-call told"$/);
		expect(stepAwaitingOperator(state)?.step.id).toBe('oncall');
	});

	it('given a failed check, the blocker names the step and its reason, and later automated steps show blocked', () => {
		const state = fold([
			started,
			{type: 'step-started', phase: 'pre', step: 'ci', attempt: 1},
			{type: 'step-finished', phase: 'pre', step: 'ci', status: 'failed', exitCode: 1, durationMs: 5, reason: 'exit code 1 (expected 0)'},
		]);
		expect(confirmBlocker(state)).toBe('failed: "CI green": exit code 1 (expected 0)');
		expect(nextAutomatedStep(state)).toBeUndefined();
		expect(displayStatus(state.phases[0]!, 1)).toBe('pending'); // manual steps are never "blocked"
	});

	it('given everything passed and ticked, confirming starts the next phase', () => {
		const state = fold([
			started,
			...passCi,
			{type: 'step-ticked', phase: 'pre', step: 'oncall', operator: 'alice'},
			{type: 'phase-confirmed', phase: 'pre', operator: 'alice'},
		]);
		expect(state.phases[0]?.confirmed).toBe(true);
		expect(currentPhase(state)?.id).toBe('switch');
		expect(nextAutomatedStep(state)?.step.id).toBe('shift');
		expect(state.phases[1]?.startedAt).toBeDefined();
	});

	it('captures become variables of the run', () => {
		const state = fold([
			started,
			{type: 'step-started', phase: 'pre', step: 'ci', attempt: 1},
			{type: 'step-finished', phase: 'pre', step: 'ci', status: 'passed', durationMs: 1, captured: {blueImage: 'reg/api:1.2.2'}},
		]);
		expect(state.variables.blueImage).toBe('reg/api:1.2.2');
	});
});

describe('engine: gates', () => {
	const toSwitch: EventInput[] = [
		started,
		...passCi,
		{type: 'step-ticked', phase: 'pre', step: 'oncall', operator: 'alice'},
		{type: 'phase-confirmed', phase: 'pre', operator: 'alice'},
		{type: 'step-started', phase: 'switch', step: 'shift', attempt: 1},
		{type: 'traffic-shifted', phase: 'switch', step: 'shift', weight: 50},
	];
	const sample = (value: number | null, verdict: 'pass' | 'fail' | 'unknown'): EventInput => ({
		type: 'gate-sampled',
		phase: 'switch',
		step: 'shift',
		gate: 0,
		metric: 'p95',
		colour: 'green',
		value,
		verdict,
		threshold: '≤ 300 ms',
		reason: verdict === 'pass' ? undefined : `p95 ${value} ms > 300 ms`,
	});

	it('holds only after `samples` consecutive passes; a fail or unknown resets the streak', () => {
		const once = fold([...toSwitch, sample(200, 'pass')]);
		expect(once.phases[1]?.steps[0]?.gates[0]?.holds).toBe(false);
		const twice = fold([...toSwitch, sample(200, 'pass'), sample(210, 'pass')]);
		expect(twice.phases[1]?.steps[0]?.gates[0]?.holds).toBe(true);
		const broken = fold([...toSwitch, sample(200, 'pass'), sample(210, 'pass'), sample(null, 'unknown')]);
		expect(broken.phases[1]?.steps[0]?.gates[0]?.holds).toBe(false);
		expect(broken.phases[1]?.steps[0]?.gates[0]?.streak).toBe(0);
	});

	it('given failed samples, then they are counted for failureLimit, and a new weight or a new attempt counts afresh', () => {
		const gate = (events: EventInput[]) => fold(events).phases[1]?.steps[0]?.gates[0];
		expect(gate([...toSwitch, sample(400, 'fail'), sample(200, 'pass'), sample(410, 'fail')])?.failures).toBe(2);
		expect(gate([...toSwitch, sample(400, 'fail'), {type: 'traffic-shifted', phase: 'switch', step: 'shift', weight: 100}])?.failures).toBe(0);
		expect(gate([...toSwitch, sample(400, 'fail'), {type: 'step-started', phase: 'switch', step: 'shift', attempt: 2}])?.failures).toBe(0);
	});

	it('given a sample with too few observations, then the gate shows insufficient data with the count; the next judged sample clears it', () => {
		const greenSample = (value: number, verdict: 'pass' | 'unknown') => sample(value, verdict) as Extract<EventInput, {type: 'gate-sampled'}>;
		const insufficient: EventInput = {...greenSample(80.9, 'unknown'), insufficient: true, count: 12, needed: 50, windowMs: 6000, reason: 'insufficient data: 12 requests in 6 s, need 50'};
		const waiting = fold([...toSwitch, insufficient]).phases[1]?.steps[0]?.gates[0];
		expect(waiting).toMatchObject({lastVerdict: 'unknown', insufficient: true, lastCount: 12, needed: 50, windowMs: 6000, failures: 0, holds: false});
		const comparison = {test: 'mann-whitney' as const, ratio: 1.08, confidence: 0.95, pValue: 0.2, significant: false};
		const judged = fold([...toSwitch, insufficient, {...greenSample(33, 'pass'), count: 64, comparison}]).phases[1]?.steps[0]?.gates[0];
		expect(judged).toMatchObject({lastVerdict: 'pass', insufficient: false, lastCount: 64, comparison});
	});

	it('a new weight is judged afresh', () => {
		const state = fold([...toSwitch, sample(200, 'pass'), sample(210, 'pass'), {type: 'traffic-shifted', phase: 'switch', step: 'shift', weight: 100}]);
		expect(state.phases[1]?.steps[0]?.weight).toBe(100);
		expect(state.phases[1]?.steps[0]?.gates[0]?.holds).toBe(false);
	});

	it('given a failed gate, the blocker names the metric, its value and the threshold', () => {
		const state = fold([
			...toSwitch,
			sample(412, 'fail'),
			{type: 'step-finished', phase: 'switch', step: 'shift', status: 'failed', durationMs: 9, reason: 'at 50%: p95 412 ms > 300 ms'},
		]);
		expect(confirmBlocker(state)).toBe('gate p95 failed: p95 412 ms > 300 ms (threshold ≤ 300 ms)');
	});

	it('series and logs stay bounded', () => {
		const samples = Array.from({length: SERIES_LIMIT + 30}, (_, index) => sample(index, 'pass'));
		const lines: EventInput = {type: 'step-output', phase: 'switch', step: 'shift', lines: Array.from({length: LOG_TAIL_LIMIT + 7}, (_, i) => `line ${i}`)};
		const state = fold([...toSwitch, ...samples, lines]);
		const step = state.phases[1]!.steps[0]!;
		expect(step.gates[0]?.green).toHaveLength(SERIES_LIMIT);
		expect(step.gates[0]?.green.at(-1)?.value).toBe(SERIES_LIMIT + 29);
		expect(step.log).toHaveLength(LOG_TAIL_LIMIT);
		expect(step.logDropped).toBe(7);
		expect(step.log.at(-1)).toBe(`line ${LOG_TAIL_LIMIT + 6}`);
	});

	it('given batches that count more lines than they carry, then the tail is the last batch\'s lines and the count covers every line', () => {
		const output = (lines: string[], count: number): EventInput => ({type: 'step-output', phase: 'switch', step: 'shift', lines, count, bytes: count * 7, log: 'switch.shift.log', logBytes: 0, logSha256: ''});
		const state = fold([...toSwitch, output(['$ shift 10'], 1), output(['line 999999', 'line 1000000'], 1_000_000), output(['done'], 1)]);
		const step = state.phases[1]!.steps[0]!;
		expect(step.log).toEqual(['line 999999', 'line 1000000', 'done']);
		expect(step.log.length + step.logDropped).toBe(1_000_002);
	});

	it('an override settles the failed step and marks break-glass', () => {
		const state = fold([
			...toSwitch,
			{type: 'step-finished', phase: 'switch', step: 'shift', status: 'failed', durationMs: 9, reason: 'gate'},
			{type: 'override-given', phase: 'switch', step: 'shift', reason: 'known noisy metric', operator: 'alice'},
		]);
		expect(state.breakGlass).toBe(true);
		expect(state.phases[1]?.steps[0]?.status).toBe('overridden');
		expect(confirmBlocker(state)).toBeUndefined();
	});
});

describe('engine: four eyes, rollback and the end', () => {
	const switchPassed: EventInput[] = [
		started,
		...passCi,
		{type: 'step-ticked', phase: 'pre', step: 'oncall', operator: 'alice'},
		{type: 'phase-confirmed', phase: 'pre', operator: 'alice'},
		{type: 'step-started', phase: 'switch', step: 'shift', attempt: 1},
		{type: 'step-finished', phase: 'switch', step: 'shift', status: 'passed', durationMs: 9},
	];

	it('a pair phase needs two different operators', () => {
		const once = fold([...switchPassed, {type: 'phase-confirmed', phase: 'switch', operator: 'alice'}]);
		expect(once.phases[1]?.confirmed).toBe(false);
		expect(confirmBlocker(once, 'alice')).toMatch(/four eyes: confirmed by alice, needs a second operator/);
		expect(confirmBlocker(once, 'bob')).toBeUndefined();
		const same = fold([...switchPassed, {type: 'phase-confirmed', phase: 'switch', operator: 'alice'}, {type: 'phase-confirmed', phase: 'switch', operator: 'alice'}]);
		expect(same.phases[1]?.confirmed).toBe(false);
		const both = fold([...switchPassed, {type: 'phase-confirmed', phase: 'switch', operator: 'alice'}, {type: 'phase-confirmed', phase: 'switch', operator: 'bob'}]);
		expect(both.phases[1]?.confirmed).toBe(true);
		expect(allPhasesConfirmed(both)).toBe(true);
	});

	it('rollback is offered only once a production-changing step started', () => {
		expect(canRollback(fold([started, ...passCi]))).toBe(false);
		expect(canRollback(fold(switchPassed.slice(0, 6)))).toBe(true);
	});

	it('once rollback started, its steps are the current phase and it is done when they pass', () => {
		const rolling = fold([...switchPassed, {type: 'rollback-started', operator: 'alice', reason: 'p95'}]);
		expect(currentPhase(rolling)?.id).toBe('rollback');
		expect(nextAutomatedStep(rolling)?.step.id).toBe('back');
		expect(canRollback(rolling)).toBe(false);
		const back = fold([
			...switchPassed,
			{type: 'rollback-started', operator: 'alice', reason: 'p95'},
			{type: 'step-started', phase: 'rollback', step: 'back', attempt: 1},
			{type: 'step-finished', phase: 'rollback', step: 'back', status: 'passed', durationMs: 3},
		]);
		expect(rollbackDone(back)).toBe(true);
	});

	it('an unknown outcome waits for a decision; rerun makes the step due again', () => {
		const unknown = fold([
			started,
			{type: 'step-started', phase: 'pre', step: 'ci', attempt: 1},
			{type: 'step-finished', phase: 'pre', step: 'ci', status: 'unknown', durationMs: 0, reason: 'crashed'},
		]);
		expect(nextAutomatedStep(unknown)).toBeUndefined();
		expect(confirmBlocker(unknown)).toMatch(/outcome unknown/);
		const rerun = fold([
			started,
			{type: 'step-started', phase: 'pre', step: 'ci', attempt: 1},
			{type: 'step-finished', phase: 'pre', step: 'ci', status: 'unknown', durationMs: 0, reason: 'crashed'},
			{type: 'outcome-decided', phase: 'pre', step: 'ci', decision: 'rerun', operator: 'alice'},
		]);
		expect(nextAutomatedStep(rerun)?.step.id).toBe('ci');
	});

	it('a stopped run that is resumed goes on where it stopped', () => {
		const state = fold([started, {type: 'run-finished', outcome: 'stopped', reason: 'quit'}, {type: 'run-resumed', operator: 'bob'}]);
		expect(state.outcome).toBeUndefined();
		expect(state.operators).toEqual(['alice', 'bob']);
		expect(nextAutomatedStep(state)?.step.id).toBe('ci');
	});

	it('run-finished records the outcome and nothing is due afterwards', () => {
		const state = fold([started, {type: 'run-finished', outcome: 'stopped', reason: 'quit'}]);
		expect(state.outcome).toBe('stopped');
		expect(nextAutomatedStep(state)).toBeUndefined();
	});
});
