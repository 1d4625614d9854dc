import path from 'node:path';
import type {EngineEvent, EventInput} from '../engine/events.js';
import type {StepState} from '../engine/state.js';
import type {ResolvedMetric} from '../runbook/resolve.js';
import {checkCaptures} from '../runbook/resolve.js';
import type {Runbook, Step} from '../runbook/schema.js';
import {substitute, substituteArgv} from '../runbook/template.js';
import {redactStdinSecrets, type Redactor} from '../adapters/redactor.js';
import {eventsOf, SECRET_OUTPUT_HIDDEN, type StepContext, type StepExecutor, type StepResult} from '../adapters/step-context.js';
import {createStepOutput} from '../adapters/step-output.js';
import {safeToRerun} from './resume.js';

// One run of one step: its output stream, its executor, and the step-finished event that says how
// it ended. The run loop (driver.ts) decides when a step runs; this module only runs it.

export type Executors = {
	[K in Step['kind']]?: StepExecutor<Extract<Step, {kind: K}>>;
};

/** Writes the release record and the snapshot (an `export` step, the end of a run); answers where. */
export type WriteExports = (what: 'release-record' | 'snapshot' | 'all', events: EngineEvent[]) => Promise<string>;

export type StepRunDeps = {
	logsDir: string;
	runbookFile: string;
	env: Record<string, string>;
	metrics: Record<string, ResolvedMetric>;
	speed: number;
	executors: Executors;
	redactor: Pick<Redactor, 'stream' | 'addSecret'>;
	writeExports?: WriteExports;
	/** Real values, captures of earlier steps included; this run adds its own captures. */
	variables: Record<string, string>;
	/** The runbook's declared variables: a capture into one obeys its pattern, and is secret if it is. */
	declared: Runbook['variables'];
	/** Every event so far, for an export step. */
	history: readonly EngineEvent[];
	emit: (input: EventInput) => void;
	/** Several events in one journal write (a watch's samples of one tick). */
	emitAll: (inputs: readonly EventInput[]) => void;
	/** The run is ending: gate samples that arrive now are not recorded. */
	finishing: () => boolean;
	clock: () => number;
};

export type RunningStep = {controller: AbortController; promise: Promise<void>; ref: string};

export const runStep = (deps: StepRunDeps, phaseId: string, state: StepState, onSettled: () => void): RunningStep => {
	const controller = new AbortController();
	const startedAt = deps.clock();
	// A step that captures into a secret variable is secret from its first byte: what it prints may hold the value.
	const step = {...state, step: capturesSecret(state.step, deps.declared) ? {...state.step, secret: true} : state.step};
	const output = createStepOutput({
		logsDir: deps.logsDir,
		phase: phaseId,
		step: step.id,
		// Each run of a step is a stream of its own: a key block it leaves open never masks the next step's lines.
		redact: deps.redactor.stream(),
		onBatch: (batch) => deps.emit({type: 'step-output', phase: phaseId, step: step.id, ...batch}),
	});
	if (step.step.kind === 'command' && step.step.stdin) {
		// NAME=VALUE lines fed to a command (fly secrets import) are secrets wherever they show up.
		try {
			redactStdinSecrets(deps.redactor, substitute(step.step.stdin, deps.variables));
		} catch {
			// A missing variable fails the step itself, with its own message.
		}
	}
	const optionLike = Object.keys(deps.declared).filter((name) => deps.declared[name]?.optionLike === true);
	const argv = argvAsRun(step.step, deps.variables, optionLike);
	deps.emit({type: 'step-started', phase: phaseId, step: step.id, attempt: step.attempt + 1, ...(argv ? {argv} : {})});
	const context: StepContext = {
		phase: phaseId,
		step: step.step,
		variables: deps.variables,
		optionLike,
		env: deps.env,
		runbookDir: path.dirname(deps.runbookFile),
		signal: controller.signal,
		log: (line, continues) => {
			if (!step.step.secret) output.write(line, continues);
		},
		output: (text, continues) => {
			if (!step.step.secret) output.print(text, continues);
		},
		behind: () => output.behind(),
		emit: (input) => {
			const inputs = eventsOf(input);
			deps.emitAll(deps.finishing() ? inputs.filter((event) => event.type !== 'gate-sampled') : inputs);
		},
		speed: deps.speed,
		metrics: deps.metrics,
	};
	const promise = execute(deps, step.step, context)
		.catch((error: unknown): StepResult => ({status: 'failed', reason: `internal error: ${(error as Error).message}`}))
		.then(async (outcome) => {
			let result = outcome;
			if (step.step.secret) output.write(SECRET_OUTPUT_HIDDEN);
			// Every byte in the log and the last batch journaled before the step is said to be over.
			await output.close();
			const refused = result.status === 'passed' ? checkCaptures(deps.declared, result.captured ?? {}, 'capture' in step.step ? (step.step.capture ?? {}) : {}) : [];
			if (refused.length > 0) result = {status: 'failed', exitCode: result.exitCode, reason: refused.join('; ')};
			const captured: Record<string, string> = {};
			for (const [name, value] of Object.entries(refused.length > 0 ? {} : (result.captured ?? {}))) {
				deps.variables[name] = value;
				if (step.step.secret) deps.redactor.addSecret(value);
				captured[name] = value;
			}
			// A step killed by quit, Ctrl-C or a rollback did not fail: it may have done its work or not.
			const interrupted = controller.signal.aborted && result.status !== 'passed';
			const rerunnable = interrupted && safeToRerun(step.step);
			onSettled();
			deps.emit({
				type: 'step-finished',
				phase: phaseId,
				step: step.id,
				status: interrupted ? 'unknown' : result.status,
				exitCode: result.exitCode,
				durationMs: deps.clock() - startedAt,
				reason: interrupted
					? `interrupted while running (${result.reason ?? 'cancelled'}); ${rerunnable ? 'safe to re-run, it runs again' : 'outcome unknown'}`
					: result.reason,
				captured: Object.keys(captured).length > 0 ? captured : undefined,
			});
			// Observing, probing and idempotent steps simply run again when the session goes on.
			if (rerunnable) deps.emit({type: 'outcome-decided', phase: phaseId, step: step.id, decision: 'rerun', operator: 'greenlight'});
		});
	return {controller, promise, ref: `${phaseId}/${step.id}`};
};

/**
 * The command a step runs, for the record (the driver redacts it with the event): a command step's
 * argv, a traffic step's with {{weight}} left in, as each weight runs it. None when a variable is
 * missing: the step fails with that message itself.
 */
const argvAsRun = (step: Step, variables: Readonly<Record<string, string>>, optionLike: readonly string[]): string[] | undefined => {
	try {
		if (step.kind === 'command') return substituteArgv(step.run, variables, optionLike);
		if (step.kind === 'traffic') return substituteArgv(step.run, {...variables, weight: '{{weight}}'}, optionLike);
	} catch {
		// MissingVariableError: the executor reports it as the step's reason.
	}
	return undefined;
};

/** Whether a step captures into a variable the runbook declares secret. */
const capturesSecret = (step: Step, declared: Runbook['variables']): boolean =>
	(step.kind === 'command' || step.kind === 'http') && Object.keys(step.capture ?? {}).some((name) => declared[name]?.secret === true);

const execute = async (deps: StepRunDeps, step: Step, context: StepContext): Promise<StepResult> => {
	if (step.kind === 'export') {
		if (!deps.writeExports) return {status: 'skipped', reason: 'no exporter configured'};
		const where = await deps.writeExports(step.what, [...deps.history]);
		context.log(`wrote ${where}`);
		return {status: 'passed', reason: `wrote ${where}`};
	}
	const executor = deps.executors[step.kind] as StepExecutor | undefined;
	if (!executor) return {status: 'failed', reason: `no executor for ${step.kind} steps`};
	return executor(context);
};
