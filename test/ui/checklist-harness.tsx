import {EventEmitter} from 'node:events';
import {setTimeout as delay} from 'node:timers/promises';
import {render} from 'ink';
import type {ReactElement} from 'react';
import type {EngineEvent, EventInput} from '../../source/engine/events.js';
import type {Intent} from '../../source/engine/intents.js';
import {reduce} from '../../source/engine/reduce.js';
import {initialState, type RunState} from '../../source/engine/state.js';
import {Runbook} from '../../source/runbook/schema.js';
import {Checklist, type ChecklistProps} from '../../source/ui/Checklist.js';
import type {RunStore} from '../../source/ui/store.js';

/** A small release: preparation, a watched smoke phase, a four-eyes traffic switch, a rollback. */
export const runbook = Runbook.parse({
	title: 'Blue-Green Rollout (Probe)',
	metrics: {
		p95: {
			title: 'p95 Latenz',
			unit: 'ms',
			green: {type: 'command', run: ['echo', '1']},
			blue: {type: 'command', run: ['echo', '1']},
		},
		errors: {title: 'Fehler-Rate', unit: '%', green: {type: 'command', run: ['echo', '0']}},
	},
	phases: [
		{
			id: 'prep',
			title: 'Voraussetzungen',
			steps: [
				{id: 'ci', title: 'CI-Gates grün', kind: 'command', run: ['true']},
				{id: 'oncall', title: 'On-Call-Team informiert', kind: 'manual'},
			],
		},
		{
			id: 'smoke',
			title: 'Smoke-Tests & Health-Checks',
			steps: [
				{id: 'deploy', title: 'Green deployen', kind: 'command', run: ['true'], changesProduction: true},
				{
					id: 'observe',
					title: 'p50/p95/p99, Fehler-Rate beobachten',
					kind: 'watch',
					duration: '5m',
					gates: [
						{metric: 'p95', max: 300},
						{metric: 'errors', max: 1},
					],
				},
				{id: 'after', title: 'Logs gesichtet', kind: 'manual'},
			],
		},
		{
			id: 'switch',
			title: 'Traffic-Switch (Canary → Full)',
			confirm: 'pair',
			steps: [
				{
					id: 'shift',
					title: 'Traffic schrittweise erhöhen',
					kind: 'traffic',
					weights: [10, 50, 100],
					bake: '2m',
					run: ['shift', '{{weight}}'],
					gates: [{metric: 'p95', max: 300}],
				},
			],
		},
	],
	rollback: {title: 'Rollback', steps: [{id: 'back', title: 'Traffic zurück auf blue', kind: 'command', run: ['true']}]},
});

export const START = 1_700_000_000_000;

/** Folds events into a state, one second apart, as the driver would have stamped them. */
export const fold = (events: EventInput[], base: RunState = initialState(runbook)): RunState =>
	events.reduce(
		(state, event, index) => reduce(state, {...event, ts: START + (base.seq + index) * 1000} as EngineEvent),
		base,
	);

export const started: EventInput[] = [
	{
		type: 'run-started',
		title: runbook.title,
		runbookFile: 'runbook.json',
		target: 'rehearsal',
		operator: 'alice',
		session: 's-0001',
		variables: {},
		secretVariables: [],
	},
];

export const prepDone: EventInput[] = [
	...started,
	{type: 'step-started', phase: 'prep', step: 'ci', attempt: 1},
	{type: 'step-finished', phase: 'prep', step: 'ci', status: 'passed', exitCode: 0, durationMs: 1200},
	{type: 'step-ticked', phase: 'prep', step: 'oncall', operator: 'alice'},
	{type: 'phase-confirmed', phase: 'prep', operator: 'alice'},
	{type: 'step-started', phase: 'smoke', step: 'deploy', attempt: 1},
	{type: 'step-finished', phase: 'smoke', step: 'deploy', status: 'passed', exitCode: 0, durationMs: 3000},
	{type: 'step-started', phase: 'smoke', step: 'observe', attempt: 1},
];

/** Samples of both colours for one gate; green values decide the verdict against `max`. */
export const samples = (gate: number, metric: string, green: number[], blue: number[], max: number, unit: string): EventInput[] =>
	green.flatMap((value, index) => {
		const pass = value <= max;
		const events: EventInput[] = [
			{
				type: 'gate-sampled',
				phase: 'smoke',
				step: 'observe',
				gate,
				metric,
				colour: 'green',
				value,
				verdict: pass ? 'pass' : 'fail',
				threshold: `≤ ${max} ${unit}`,
				...(pass ? {} : {reason: `${metric} ${value} ${unit} > ${max} ${unit}`}),
			},
		];
		const blueValue = blue[index];
		if (blueValue !== undefined) {
			events.push({type: 'gate-sampled', phase: 'smoke', step: 'observe', gate, metric, colour: 'blue', value: blueValue, verdict: 'pass'});
		}
		return events;
	});

const latency = Array.from({length: 24}, (_, index) => 180 + index * 10);
/** The watch ran into a latency regression: p95 climbed past 300 ms and the step failed. */
export const failingGate: EventInput[] = [
	...prepDone,
	...samples(0, 'p95', latency.slice(0, -1).concat(412), latency.map(() => 190), 300, 'ms'),
	...samples(1, 'errors', latency.map(() => 0.2), latency.map(() => 0.1), 1, '%'),
	{
		type: 'step-finished',
		phase: 'smoke',
		step: 'observe',
		status: 'failed',
		durationMs: 300_000,
		reason: 'gate p95: p95 412 ms > 300 ms',
	},
];

/** The same watch, but the error rate failed while p95 held: the second gate is the one to see. */
export const failingSecondGate: EventInput[] = [
	...prepDone,
	...samples(0, 'p95', latency.map(() => 120), latency.map(() => 110), 300, 'ms'),
	...samples(1, 'errors', latency.map((_, index) => (index < 20 ? 0.2 : 9.1)), latency.map(() => 0.1), 1, '%'),
	{
		type: 'step-finished',
		phase: 'smoke',
		step: 'observe',
		status: 'failed',
		durationMs: 300_000,
		reason: 'gate errors: errors 9.10 % > 1 %',
	},
];

/** A store the test can move on, like the driver does. */
export const createTestStore = (state: RunState, events: EngineEvent[] = []) => {
	let current = state;
	let history = events;
	const listeners = new Set<() => void>();
	const store: RunStore = {
		getState: () => current,
		subscribe(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
		events: () => history,
	};
	return {
		store,
		set(next: RunState, nextEvents: EngineEvent[] = history) {
			current = next;
			history = nextEvents;
			for (const listener of listeners) listener();
		},
	};
};

/** The events `fold` folds, stamped the same way: what the driver's events() would hold. */
export const stamp = (events: EventInput[], base: RunState = initialState(runbook)): EngineEvent[] =>
	events.map((event, index) => ({...event, ts: START + (base.seq + index) * 1000}) as EngineEvent);

/** A terminal of a chosen size: Ink reads columns and rows from it and listens for 'resize'. */
export class FakeTerminal extends EventEmitter {
	frames: string[] = [];
	isTTY = false;
	constructor(
		public columns: number,
		public rows: number,
	) {
		super();
	}
	write = (frame: string) => {
		this.frames.push(frame);
		return true;
	};
	lastFrame = () => this.frames.at(-1) ?? '';
	resize(columns: number, rows: number) {
		this.columns = columns;
		this.rows = rows;
		this.emit('resize');
	}
}

export class FakeKeyboard extends EventEmitter {
	isTTY = true;
	private data: string | null = null;
	write = (data: string) => {
		this.data = data;
		this.emit('readable');
		this.emit('data', data);
	};
	read = () => {
		const {data} = this;
		this.data = null;
		return data;
	};
	setEncoding() {}
	setRawMode() {}
	resume() {}
	pause() {}
	ref() {}
	unref() {}
}

export const keys = {enter: '\r', escape: '\u001B', backspace: '\u007F', ctrlC: '\u0003'};

/** Renders into a fake terminal of the given size, in Ink's debug mode: every frame is written whole. */
export const renderAt = (element: ReactElement, size: {columns: number; rows: number}) => {
	const terminal = new FakeTerminal(size.columns, size.rows);
	const keyboard = new FakeKeyboard();
	const instance = render(element, {
		stdout: terminal as unknown as NodeJS.WriteStream,
		stdin: keyboard as unknown as NodeJS.ReadStream,
		debug: true,
		exitOnCtrlC: false,
		patchConsole: false,
	});
	// Asked for at once: Ink only settles a wait that began before it exited.
	const exited = instance.waitUntilExit();
	return {
		terminal,
		lastFrame: terminal.lastFrame,
		/** Types keys one at a time, giving Ink a moment to handle each. */
		async press(...inputs: string[]) {
			for (const input of inputs) {
				keyboard.write(input);
				await delay(input === keys.escape ? 30 : 5);
			}
			await delay(10);
		},
		unmount: instance.unmount,
		rerender: instance.rerender,
		waitUntilExit: () => exited,
	};
};

export const recorder = () => {
	const sent: Intent[] = [];
	return {sent, send: (intent: Intent) => void sent.push(intent)};
};

export const lineCount = (frame: string): number => frame.split('\n').length;

export const stripAnsi = (text: string): string => text.replace(/\u001B\[[\d;]*m/g, '');

export type ShowOptions = {
	size?: {columns: number; rows: number};
	role?: ChecklistProps['role'];
	operator?: string;
	colour?: boolean;
	logs?: ChecklistProps['logs'];
};

/** The checklist over a store folded from `events` (which its events() returns too), at 100×30 unless told. */
export const showChecklist = (events: EventInput[], options: ShowOptions = {}) => {
	const testStore = createTestStore(fold(events), stamp(events));
	const {sent, send} = recorder();
	const ui = renderAt(
		<Checklist
			store={testStore.store}
			send={send}
			role={options.role ?? 'driver'}
			operator={options.operator ?? 'alice'}
			colour={options.colour ?? false}
			clock={() => START + 60_000}
			{...(options.logs ? {logs: options.logs} : {})}
		/>,
		options.size ?? {columns: 100, rows: 30},
	);
	return {...ui, sent, ...testStore};
};
