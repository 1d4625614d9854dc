import type {EngineEvent, EventInput, RunOutcome, Verification} from '../engine/events.js';
import {decide, type Action, type Role} from '../engine/decide.js';
import type {Intent, IntentResult} from '../engine/intents.js';
import {printableEvent} from '../engine/printable.js';
import {reduce, replay} from '../engine/reduce.js';
import {allPhasesConfirmed, findStep, nextAutomatedStep, rollbackDone} from '../engine/select.js';
import {initialState, type LinkedChecklists, type RunState} from '../engine/state.js';
import type {ResolvedMetric} from '../runbook/resolve.js';
import type {Runbook, Step} from '../runbook/schema.js';
import {REDACTED, type Redactor} from '../adapters/redactor.js';
import {sessionPaths} from '../adapters/session-folder.js';
import {nextAutoAction, type AutoPolicy} from './autopilot.js';
import {capturedBefore, eventsOnResume} from './resume.js';
import {runStep, type Executors, type RunningStep, type WriteExports} from './step-run.js';

// The run loop: the one writer of a session's events. It journals each event before anyone sees
// it, folds it into the state, and moves the run forward (advance): the next automated step, the
// autopilot, the end. Intents from the keys or the pair go through the engine's decide() and are
// carried out here. What a step run does is step-run.ts; what a resume does first is resume.ts.

export type {AutoPolicy} from './autopilot.js';
export type {Executors} from './step-run.js';

/** Where events go before anything else sees them: each call is one write and one sync. */
export type DriverJournal = {appendAll(events: readonly EngineEvent[]): void};

export type DriverRedactor = Pick<Redactor, 'stream' | 'redactEvent' | 'addSecret'>;

export type DriverOptions = {
	runbook: Runbook;
	runbookFile: string;
	/** sha256 of the runbook file, recorded in run-started. */
	runbookSha256?: string;
	links?: LinkedChecklists;
	target: string;
	operator: string;
	sessionDir: string;
	session: string;
	/** Real (unredacted) variable values. */
	variables: Record<string, string>;
	secretVariables: string[];
	env: Record<string, string>;
	metrics: Record<string, ResolvedMetric>;
	speed: number;
	journal: DriverJournal;
	redactor: DriverRedactor;
	executors: Executors;
	/** Set for non-interactive runs: confirms passed phases, ticks manual steps, never overrides. */
	auto?: AutoPolicy;
	/** Events of an earlier process on this session: resume from them. */
	priorEvents?: EngineEvent[];
	/** Runs an `export` step, and the final exports: given every event so far. */
	writeExports?: WriteExports;
	clock?: () => number;
};

export type Driver = {
	getState(): RunState;
	subscribe(listener: () => void): () => void;
	/** Every event, after it is journaled. */
	onEvent(listener: (event: EngineEvent) => void): () => void;
	events(): readonly EngineEvent[];
	send(intent: Intent, operator?: string): IntentResult;
	/** An intent from the pair's channel: notes, and confirmations of four-eyes phases only. */
	sendFromPair(intent: Intent, operator: string, verified?: Verification): IntentResult;
	/** A pair opened `greenlight join` on this session, identified as `verified` says. */
	recordJoin(operator: string, verified?: Verification): void;
	/** Something a pair sent was refused: journaled, so both screens and the record show it. */
	recordRefusal(reason: string, operator?: string): void;
	start(): void;
	/** Resolves once the run finished (event journaled, exports written). */
	done: Promise<RunOutcome>;
	/** Stops the running step, kills its processes and ends the run as stopped (resumable). */
	shutdown(reason: string): Promise<void>;
};

export const createDriver = (options: DriverOptions): Driver => {
	const clock = options.clock ?? Date.now;
	const variables = {...options.variables};
	for (const name of options.secretVariables) {
		const value = variables[name];
		if (value) options.redactor.addSecret(value);
	}

	const history: EngineEvent[] = [...(options.priorEvents ?? [])];
	let state = replay(initialState(options.runbook, options.links), history);
	Object.assign(variables, capturedBefore(state));
	const listeners = new Set<() => void>();
	const eventListeners = new Set<(event: EngineEvent) => void>();
	let running: RunningStep | undefined;
	let finishing = false;
	let started = false;
	let rollbackRequested = false;
	let resolveDone: (outcome: RunOutcome) => void = () => {};
	const done = new Promise<RunOutcome>((resolve) => {
		resolveDone = resolve;
	});

	/** Events that belong together (a watch's samples of one tick) are journaled in one write, and drawn once. */
	const emitAll = (inputs: readonly EventInput[]): EngineEvent[] => {
		if (inputs.length === 0) return [];
		const events = inputs.map((input) => {
			const stamped = {...input, ts: clock()} as EngineEvent;
			// A step's lines were redacted and made printable once, by its output stream; every other
			// event is redacted here, and no escape sequence in a reason, a note or a name reaches a terminal or a file.
			return stamped.type === 'step-output' ? stamped : printableEvent(options.redactor.redactEvent(stamped));
		});
		// Journal first: nothing reaches the screen that is not on disk.
		options.journal.appendAll(events);
		for (const event of events) {
			history.push(event);
			state = reduce(state, event);
			for (const listener of eventListeners) listener(event);
		}
		for (const listener of listeners) listener();
		scheduleAdvance();
		return events;
	};
	const emit = (input: EventInput): EngineEvent => emitAll([input])[0]!;

	let advanceScheduled = false;
	const scheduleAdvance = () => {
		if (advanceScheduled) return;
		advanceScheduled = true;
		setImmediate(() => {
			advanceScheduled = false;
			advance();
		});
	};

	const finish = (outcome: RunOutcome, reason?: string) => {
		if (finishing) return;
		if (!started) {
			// Stopped before it began (Ctrl-C while the screen loads): nothing ran, the journal stays as it was.
			finishing = true;
			resolveDone('stopped');
			return;
		}
		if (state.outcome) return;
		finishing = true;
		void (async () => {
			if (running) {
				running.controller.abort();
				await running.promise;
			}
			emit({type: 'run-finished', outcome, reason});
			if (outcome !== 'stopped' && options.writeExports) {
				try {
					await options.writeExports('all', history);
				} catch (error) {
					// The release is over either way; the export can be written again with `greenlight export`.
					process.stderr.write(`greenlight: could not write the release record: ${(error as Error).message}\n`);
				}
			}
			resolveDone(outcome);
		})();
	};

	const stepDeps = {
		logsDir: sessionPaths(options.sessionDir).logs,
		runbookFile: options.runbookFile,
		env: options.env,
		metrics: options.metrics,
		speed: options.speed,
		executors: options.executors,
		redactor: options.redactor,
		writeExports: options.writeExports,
		variables,
		declared: options.runbook.variables,
		history,
		emit,
		emitAll,
		finishing: () => finishing,
		clock,
	};
	const runStepNow = (phaseId: string, stepId: string) => {
		const step = findStep(state, phaseId, stepId);
		if (!step) return;
		running = runStep(stepDeps, phaseId, step, () => {
			running = undefined;
		});
	};

	/** What happens next: the one place the run moves forward. */
	const advance = () => {
		if (!state.started || state.outcome || finishing) return;
		if (state.rollback?.active && rollbackDone(state)) return finish('rolled-back');
		if (!state.rollback?.active && allPhasesConfirmed(state)) return finish('completed');
		if (running) return;
		const next = nextAutomatedStep(state);
		if (next) return runStepNow(next.phase.id, next.step.id);
		if (!options.auto) return;
		const auto = nextAutoAction(state, options.auto, options.operator);
		if (auto?.kind === 'finish') return finish(auto.outcome, auto.reason);
		if (auto?.kind === 'send') {
			const result = send(auto.intent);
			if (!result.ok && auto.stopIfRefused) finish('stopped', result.reason);
		}
	};

	/** Carries out what decide() allowed. */
	const apply = (action: Action): void => {
		switch (action.kind) {
			case 'emit':
				emit(action.event);
				return;
			case 'run-step':
				runStepNow(action.phase, action.step);
				return;
			case 'roll-back': {
				rollbackRequested = true;
				const stop = running;
				stop?.controller.abort();
				void (stop?.promise ?? Promise.resolve()).then(() => {
					emit({type: 'rollback-started', operator: action.operator, reason: action.reason});
				});
				return;
			}
			case 'stop':
				finish('stopped', action.reason);
				return;
		}
	};

	const handle = (intent: Intent, operator: string, role: Role, verified?: Verification): IntentResult => {
		if (state.outcome || finishing) return {ok: false, reason: 'the run has ended'};
		// What the state cannot know: a step run or a rollback already under way in this process.
		if (intent.type === 'rollback' && rollbackRequested) return {ok: false, reason: 'the rollback is already starting'};
		if (intent.type === 'retry' && running) return {ok: false, reason: `${running.ref} is still running`};
		const decision = decide(state, intent, {operator, role, verified});
		if (!decision.ok) return {ok: false, reason: decision.reason};
		const {action} = decision;
		if (action.kind === 'emit' && action.event.type === 'outcome-decided' && action.event.decision === 'done') {
			// The values may come from --var, which the state does not hold: checked here, not in decide().
			const {phase, step} = action.event;
			const found = findStep(state, phase, step);
			const lacking = found ? missingCaptures(found.step, variables) : [];
			if (found && lacking.length > 0) {
				return {
					ok: false,
					reason: `"${found.title}" (${phase}/${step}) captures ${lacking.join(', ')}: re-run it, or mark it done with ${lacking.map((name) => `--var ${name}=…`).join(' ')}`,
				};
			}
		}
		apply(action);
		return {ok: true};
	};

	const send = (intent: Intent, by: string = options.operator): IntentResult => handle(intent, by, 'driver');

	const start = () => {
		if (finishing || started) return;
		started = true;
		if (!state.started) {
			const shown = Object.fromEntries(
				Object.entries(variables).map(([name, value]) => [name, options.secretVariables.includes(name) ? REDACTED : value]),
			);
			emit({
				type: 'run-started',
				title: options.runbook.title,
				runbookFile: options.runbookFile,
				...(options.runbookSha256 ? {runbookSha256: options.runbookSha256} : {}),
				target: options.target,
				operator: options.operator,
				session: options.session,
				variables: shown,
				secretVariables: options.secretVariables,
			});
			return;
		}
		emit({type: 'run-resumed', operator: options.operator});
		for (const event of eventsOnResume(state)) emit(event);
		scheduleAdvance();
	};

	return {
		getState: () => state,
		subscribe(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
		onEvent(listener) {
			eventListeners.add(listener);
			return () => eventListeners.delete(listener);
		},
		events: () => history,
		send,
		sendFromPair: (intent, by, verified) => handle(intent, by, 'pair', verified),
		recordJoin(operator, verified) {
			if (started && !state.outcome && !finishing && !state.operators.includes(operator)) emit({type: 'operator-joined', operator, ...(verified ? {verified} : {})});
		},
		recordRefusal(reason, operator) {
			if (started && !state.outcome && !finishing) emit({type: 'pair-refused', reason, ...(operator ? {operator} : {})});
		},
		start,
		done,
		async shutdown(reason) {
			finish('stopped', reason);
			await done;
		},
	};
};

/** The captures of a step that no variable holds: marking it done without them would break every later step that uses them. */
const missingCaptures = (step: Step, variables: Readonly<Record<string, string>>): string[] =>
	step.kind === 'command' || step.kind === 'http' ? Object.keys(step.capture ?? {}).filter((name) => variables[name] === undefined) : [];
