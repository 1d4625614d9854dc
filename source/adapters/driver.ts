import path from 'node:path';
import type {EngineEvent, EventInput, RunOutcome} from '../engine/events.js';
import type {Intent, IntentResult} from '../engine/intents.js';
import {reduce, replay} from '../engine/reduce.js';
import {
	allPhasesConfirmed,
	canRollback,
	confirmBlocker,
	currentPhase,
	manualStepAwaiting,
	nextAutomatedStep,
	pairMayConfirm,
	rollbackDone,
	stepAwaitingOperator,
	stuckStep,
} from '../engine/select.js';
import {initialState, type LinkedChecklists, type RunState, type StepState} from '../engine/state.js';
import type {ResolvedMetric} from '../runbook/resolve.js';
import {isAutomated, type Runbook, type Step} from '../runbook/schema.js';
import {substitute} from '../runbook/template.js';
import {redactStdinSecrets} from './redactor.js';
import {SECRET_OUTPUT_HIDDEN, type StepContext, type StepExecutor, type StepResult} from './step-context.js';
import {createStepOutput} from './step-output.js';

export type DriverJournal = {append(event: EngineEvent): void};

export type DriverRedactor = {
	stream(): (line: string) => string;
	redactEvent<E extends EngineEvent>(event: E): E;
	addSecret(value: string): void;
};

export type Executors = {
	[K in Step['kind']]?: StepExecutor<Extract<Step, {kind: K}>>;
};

/** What greenlight does by itself when nobody is at the keyboard (--yes, --on-fail, --on-unknown). */
export type AutoPolicy = {
	onFail: 'stop' | 'rollback';
	onUnknown: 'stop' | 'rerun' | 'done';
};

export type DriverOptions = {
	runbook: Runbook;
	runbookFile: string;
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
	writeExports?: (what: 'release-record' | 'snapshot' | 'all', events: EngineEvent[]) => Promise<string>;
	clock?: () => number;
};


export type Driver = {
	getState(): RunState;
	subscribe(listener: () => void): () => void;
	/** Every event, after it is journaled. */
	onEvent(listener: (event: EngineEvent) => void): () => void;
	events(): readonly EngineEvent[];
	send(intent: Intent, operator?: string): IntentResult;
	/** An intent a pair dropped into the inbox: notes, and confirmations of four-eyes phases only. */
	sendFromPair(intent: Intent, operator: string): IntentResult;
	/** A pair opened `greenlight join` on this session. */
	recordJoin(operator: string): void;
	start(): void;
	/** Resolves once the run finished (event journaled, exports written). */
	done: Promise<RunOutcome>;
	/** Stops the running step, kills its processes and ends the run as stopped (resumable). */
	shutdown(reason: string): Promise<void>;
};

/** Steps whose re-run after a crash cannot do harm: observing, probing, exporting. */
const safeToRerun = (step: Step): boolean =>
	step.idempotent === true || step.kind === 'watch' || step.kind === 'http' || step.kind === 'export';

export const createDriver = (options: DriverOptions): Driver => {
	const clock = options.clock ?? Date.now;
	const logsDir = path.join(options.sessionDir, 'logs');
	const variables = {...options.variables};
	for (const name of options.secretVariables) {
		const value = variables[name];
		if (value) options.redactor.addSecret(value);
	}

	const history: EngineEvent[] = [...(options.priorEvents ?? [])];
	let state = replay(initialState(options.runbook, options.links), history);
	const listeners = new Set<() => void>();
	const eventListeners = new Set<(event: EngineEvent) => void>();
	let running: {controller: AbortController; promise: Promise<void>; ref: string} | undefined;
	let finishing = false;
	let started = false;
	let rollbackRequested = false;
	let resolveDone: (outcome: RunOutcome) => void = () => {};
	const done = new Promise<RunOutcome>((resolve) => {
		resolveDone = resolve;
	});

	// Captured values of an earlier process are real only where they were not secret.
	for (const phase of [...state.phases, ...(state.rollback ? [state.rollback] : [])]) {
		for (const step of phase.steps) Object.assign(variables, withoutRedacted(step.captured));
	}

	const emit = (input: EventInput): EngineEvent => {
		const event = options.redactor.redactEvent({...input, ts: clock()} as EngineEvent);
		// Journal first: nothing reaches the screen that is not on disk.
		options.journal.append(event);
		history.push(event);
		state = reduce(state, event);
		for (const listener of eventListeners) listener(event);
		for (const listener of listeners) listener();
		scheduleAdvance();
		return event;
	};

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

	const runStep = (phaseId: string, step: StepState) => {
		const controller = new AbortController();
		const startedAt = clock();
		// Each run of a step is a stream of its own: a key block it leaves open never masks the next step's lines.
		const redactLine = options.redactor.stream();
		const output = createStepOutput({
			logsDir,
			phase: phaseId,
			step: step.id,
			onBatch: (lines) => emit({type: 'step-output', phase: phaseId, step: step.id, lines}),
		});
		if (step.step.kind === 'command' && step.step.stdin) {
			// NAME=VALUE lines fed to a command (fly secrets import) are secrets wherever they show up.
			try {
				redactStdinSecrets(options.redactor, substitute(step.step.stdin, variables));
			} catch {
				// A missing variable fails the step itself, with its own message.
			}
		}
		emit({type: 'step-started', phase: phaseId, step: step.id, attempt: step.attempt + 1});
		const context: StepContext = {
			phase: phaseId,
			step: step.step,
			variables,
			env: options.env,
			runbookDir: path.dirname(options.runbookFile),
			signal: controller.signal,
			log: (line) => {
				if (step.step.secret) return;
				output.write(redactLine(line));
			},
			emit: (event) => {
				if (!finishing || event.type !== 'gate-sampled') emit(event);
			},
			speed: options.speed,
			metrics: options.metrics,
		};
		const promise = execute(step.step, context)
			.catch((error: unknown): StepResult => ({status: 'failed', reason: `internal error: ${(error as Error).message}`}))
			.then((result) => {
				if (step.step.secret) output.write(SECRET_OUTPUT_HIDDEN);
				output.flush();
				const captured: Record<string, string> = {};
				for (const [name, value] of Object.entries(result.captured ?? {})) {
					variables[name] = value;
					if (step.step.secret) options.redactor.addSecret(value);
					captured[name] = value;
				}
				// A step killed by quit, Ctrl-C or a rollback did not fail: it may have done its work or not.
				const interrupted = controller.signal.aborted && result.status !== 'passed';
				const rerunnable = interrupted && safeToRerun(step.step);
				running = undefined;
				emit({
					type: 'step-finished',
					phase: phaseId,
					step: step.id,
					status: interrupted ? 'unknown' : result.status,
					exitCode: result.exitCode,
					durationMs: clock() - startedAt,
					reason: interrupted
						? `interrupted while running (${result.reason ?? 'cancelled'}); ${rerunnable ? 'safe to re-run, it runs again' : 'outcome unknown'}`
						: result.reason,
					captured: Object.keys(captured).length > 0 ? captured : undefined,
				});
				// Observing, probing and idempotent steps simply run again when the session goes on.
				if (rerunnable) emit({type: 'outcome-decided', phase: phaseId, step: step.id, decision: 'rerun', operator: 'greenlight'});
			});
		running = {controller, promise, ref: `${phaseId}/${step.id}`};
	};

	const execute = async (step: Step, context: StepContext): Promise<StepResult> => {
		if (step.kind === 'export') {
			if (!options.writeExports) return {status: 'skipped', reason: 'no exporter configured'};
			const where = await options.writeExports(step.what, history);
			context.log(`wrote ${where}`);
			return {status: 'passed', reason: `wrote ${where}`};
		}
		const executor = options.executors[step.kind] as StepExecutor | undefined;
		if (!executor) return {status: 'failed', reason: `no executor for ${step.kind} steps`};
		return executor(context);
	};

	/** What happens next: the one place the run moves forward. */
	const advance = () => {
		if (!state.started || state.outcome || finishing) return;
		if (state.rollback?.active && rollbackDone(state)) return finish('rolled-back');
		if (!state.rollback?.active && allPhasesConfirmed(state)) return finish('completed');
		if (running) return;
		const next = nextAutomatedStep(state);
		if (next) return runStep(next.phase.id, next.step);
		if (options.auto) autoPilot(options.auto);
	};

	const autoPilot = (policy: AutoPolicy) => {
		const awaiting = stepAwaitingOperator(state);
		if (awaiting) {
			const {phase, step} = awaiting;
			if (step.status === 'unknown') {
				if (policy.onUnknown === 'stop') {
					return finish('stopped', `outcome of "${step.title}" (${phase.id}/${step.id}) is unknown; decide with --on-unknown rerun|done or interactively`);
				}
				const decided = send({type: 'decide', decision: policy.onUnknown === 'rerun' ? 'rerun' : 'done'});
				if (!decided.ok) return finish('stopped', decided.reason);
				return;
			}
			if (step.status === 'failed') {
				const why = `${phase.id}/${step.id} failed: ${step.reason ?? 'no reason given'}`;
				if (policy.onFail === 'rollback' && canRollback(state)) {
					return void send({type: 'rollback', reason: why});
				}
				return finish('failed', why);
			}
			if (!isAutomated(step.step)) return void send({type: 'tick'});
		}
		// --yes confirms as this operator only: a four-eyes phase waits for a second one (greenlight join).
		const phase = currentPhase(state);
		if (phase && !confirmBlocker(state, options.operator) && !phase.confirmations.includes(options.operator)) {
			send({type: 'confirm'});
		}
	};

	const send = (intent: Intent, by: string = options.operator): IntentResult => {
		if (state.outcome || finishing) return {ok: false, reason: 'the run has ended'};
		switch (intent.type) {
			case 'confirm': {
				const phase = currentPhase(state);
				if (!phase || state.rollback?.active) return {ok: false, reason: 'nothing to confirm'};
				if (intent.phase !== undefined && intent.phase !== phase.id) {
					// A key pressed on a screen that was a moment behind: never confirm the phase after it.
					return {ok: false, reason: `"${intent.phase}" is no longer the phase to confirm; "${phase.title}" is`};
				}
				const blocker = confirmBlocker(state, by);
				if (blocker) return {ok: false, reason: blocker};
				if (phase.confirmations.includes(by)) {
					return {ok: false, reason: `${by} confirmed "${phase.title}" already; four eyes need another operator`};
				}
				emit({type: 'phase-confirmed', phase: phase.id, operator: by});
				return {ok: true};
			}
			case 'tick': {
				const awaiting = manualStepAwaiting(state);
				if (!awaiting) return {ok: false, reason: 'no manual step is waiting'};
				const {phase, step} = awaiting;
				const item = step.kind === 'link' ? step.items.findIndex((entry) => !entry.ticked) : undefined;
				emit({type: 'step-ticked', phase: phase.id, step: step.id, operator: by, item: item === -1 ? undefined : item});
				return {ok: true};
			}
			case 'retry': {
				const awaiting = stuckStep(state);
				if (!awaiting) return {ok: false, reason: 'no failed step to retry'};
				if (running) return {ok: false, reason: `${running.ref} is still running`};
				if (awaiting.step.status === 'unknown') {
					emit({type: 'outcome-decided', phase: awaiting.phase.id, step: awaiting.step.id, decision: 'rerun', operator: by});
				} else {
					runStep(awaiting.phase.id, awaiting.step);
				}
				return {ok: true};
			}
			case 'rollback': {
				if (rollbackRequested) return {ok: false, reason: 'the rollback is already starting'};
				if (!canRollback(state)) {
					return {ok: false, reason: state.rollback ? 'production has not been changed yet: nothing to roll back' : 'the runbook has no rollback'};
				}
				rollbackRequested = true;
				const stop = running;
				stop?.controller.abort();
				void (stop?.promise ?? Promise.resolve()).then(() => {
					emit({type: 'rollback-started', operator: by, reason: intent.reason || 'operator decision'});
				});
				return {ok: true};
			}
			case 'override': {
				const awaiting = stuckStep(state);
				if (!awaiting || awaiting.step.status !== 'failed') return {ok: false, reason: 'no failed step to override'};
				if (!intent.reason.trim()) return {ok: false, reason: 'a break-glass override needs a reason'};
				emit({type: 'override-given', phase: awaiting.phase.id, step: awaiting.step.id, reason: intent.reason.trim(), operator: by});
				return {ok: true};
			}
			case 'note': {
				if (!intent.text.trim()) return {ok: false, reason: 'empty note'};
				emit({type: 'note-added', text: intent.text.trim(), operator: by});
				return {ok: true};
			}
			case 'decide': {
				const awaiting = stuckStep(state);
				if (!awaiting || awaiting.step.status !== 'unknown') return {ok: false, reason: 'no step with an unknown outcome'};
				const lacking = intent.decision === 'done' ? missingCaptures(awaiting.step.step, variables) : [];
				if (lacking.length > 0) {
					// Done without its captures would break every later step that uses them.
					return {
						ok: false,
						reason: `"${awaiting.step.title}" (${awaiting.phase.id}/${awaiting.step.id}) captures ${lacking.join(', ')}: re-run it, or mark it done with ${lacking.map((name) => `--var ${name}=…`).join(' ')}`,
					};
				}
				emit({type: 'outcome-decided', phase: awaiting.phase.id, step: awaiting.step.id, decision: intent.decision, operator: by});
				return {ok: true};
			}
			case 'quit': {
				finish('stopped', `quit by ${by}`);
				return {ok: true};
			}
		}
	};

	const sendFromPair = (intent: Intent, by: string): IntentResult => {
		if (intent.type === 'note') return send(intent, by);
		if (intent.type !== 'confirm') return {ok: false, reason: `a pair cannot ${intent.type}; the driver does`};
		const phase = currentPhase(state);
		if (!phase) return {ok: false, reason: 'nothing to confirm'};
		switch (pairMayConfirm(phase)) {
			case 'driver-only':
				return {ok: false, reason: `"${phase.title}" is confirmed by the driver alone; a pair confirms four-eyes phases only`};
			case 'driver-first':
				return {ok: false, reason: `the driver confirms "${phase.title}" first; then the pair gives the second confirmation`};
			case 'yes':
				return send(intent, by);
		}
	};

	const start = () => {
		if (finishing || started) return;
		started = true;
		if (!state.started) {
			const shown = Object.fromEntries(
				Object.entries(variables).map(([name, value]) => [
					name,
					options.secretVariables.includes(name) ? '«redacted»' : value,
				]),
			);
			emit({
				type: 'run-started',
				title: options.runbook.title,
				runbookFile: options.runbookFile,
				target: options.target,
				operator: options.operator,
				session: options.session,
				variables: shown,
				secretVariables: options.secretVariables,
			});
			return;
		}
		emit({type: 'run-resumed', operator: options.operator});
		// A step that was running when the last process died: re-run what is safe, ask about the rest.
		for (const phase of [...state.phases, ...(state.rollback ? [state.rollback] : [])]) {
			for (const step of phase.steps) {
				if (step.status !== 'running' || !isAutomated(step.step)) continue;
				if (safeToRerun(step.step)) {
					emit({type: 'outcome-decided', phase: phase.id, step: step.id, decision: 'rerun', operator: 'greenlight'});
				} else {
					emit({
						type: 'step-finished',
						phase: phase.id,
						step: step.id,
						status: 'unknown',
						durationMs: 0,
						reason: 'greenlight stopped while this step ran; it is not idempotent, so it is not re-run without a decision',
					});
				}
			}
		}
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
		sendFromPair,
		recordJoin(operator) {
			if (!state.outcome && !state.operators.includes(operator)) emit({type: 'operator-joined', operator});
		},
		start,
		done,
		async shutdown(reason) {
			finish('stopped', reason);
			await done;
		},
	};
};

const missingCaptures = (step: Step, variables: Readonly<Record<string, string>>): string[] =>
	step.kind === 'command' || step.kind === 'http'
		? Object.keys(step.capture ?? {}).filter((name) => variables[name] === undefined)
		: [];

const withoutRedacted = (captured: Record<string, string>): Record<string, string> =>
	Object.fromEntries(Object.entries(captured).filter(([, value]) => !value.includes('«redacted»')));
