import {Runbook, type RunbookInput} from '../../source/runbook/schema.js';
import type {EngineEvent, EventInput} from '../../source/engine/events.js';
import {reduce} from '../../source/engine/reduce.js';
import {initialState, type RunState} from '../../source/engine/state.js';

export const smallRunbook: RunbookInput = {
	title: 'Small release',
	metrics: {p95: {title: 'p95', unit: 'ms', green: {type: 'command', run: ['echo', '1']}, blue: {type: 'command', run: ['echo', '1']}}},
	phases: [
		{
			id: 'pre',
			title: 'Preconditions',
			steps: [
				{id: 'ci', title: 'CI green', kind: 'command', run: ['true']},
				{id: 'oncall', title: 'On-call told', kind: 'manual'},
			],
		},
		{
			id: 'switch',
			title: 'Switch',
			confirm: 'pair',
			steps: [
				{id: 'shift', title: 'Shift', kind: 'traffic', weights: [50, 100], bake: '1s', run: ['shift', '{{weight}}'], gates: [{metric: 'p95', max: 300, samples: 2}]},
			],
		},
	],
	rollback: {title: 'Rollback', steps: [{id: 'back', title: 'Back to blue', kind: 'command', run: ['true']}]},
};

export const parseRunbook = (input: RunbookInput = smallRunbook): Runbook => Runbook.parse(input);

let clock = 1_000;
export const at = (input: EventInput): EngineEvent => ({...input, ts: (clock += 1000)} as EngineEvent);

export const started: EventInput = {
	type: 'run-started',
	title: 'Small release',
	runbookFile: 'runbook.json',
	target: 'rehearsal',
	operator: 'alice',
	session: 's1',
	variables: {},
	secretVariables: [],
};

export const fold = (events: EventInput[], runbook: Runbook = parseRunbook()): RunState =>
	events.map(at).reduce(reduce, initialState(runbook));

/** The small runbook with a share gate on its traffic step (weights 20 and 50, ±10 points). */
export const shareRunbook: Runbook = parseRunbook({
	...smallRunbook,
	metrics: {
		...smallRunbook.metrics,
		greenShare: {title: 'Anteil Green', unit: '%', green: {type: 'command', run: ['echo', '1']}},
	},
	phases: [
		smallRunbook.phases[0]!,
		{
			id: 'switch',
			title: 'Switch',
			steps: [{id: 'shift', title: 'Shift', kind: 'traffic', weights: [20, 50], bake: '1s', run: ['shift', '{{weight}}'], gates: [{metric: 'p95', max: 300}], share: {metric: 'greenShare', tolerance: 10}}],
		},
	],
});

/** Up to the start of shareRunbook's traffic step. */
export const toSwitchWithShare: EventInput[] = [
	started,
	{type: 'phase-confirmed', phase: 'pre', operator: 'alice'},
	{type: 'step-started', phase: 'switch', step: 'shift', attempt: 1},
];

/** One sample of shareRunbook's share gate (after the step's own p95 gate). */
export const shareSample = (value: number, verdict: 'pass' | 'fail', weight: number, extra: object = {}): EventInput => ({
	type: 'gate-sampled',
	phase: 'switch',
	step: 'shift',
	gate: 1,
	metric: 'greenShare',
	colour: 'green',
	value,
	verdict,
	weight,
	share: true,
	count: 400,
	...extra,
});
