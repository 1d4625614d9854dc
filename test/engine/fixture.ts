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
