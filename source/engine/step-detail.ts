import {ROLLBACK_PHASE_ID, type Capture, type Gate, type JsonExpectation, type Step} from '../runbook/schema.js';
import {variablePattern} from '../runbook/template.js';
import type {EngineEvent, GateSampled, StepStarted, StepStatus, Verdict} from './events.js';
import {describeThreshold} from './gate.js';
import {displayStatus} from './select.js';
import type {LinkItem, PhaseState, RunState, SeriesPoint, StepState} from './state.js';

// Everything there is to know about one step, read from the event stream: what it ran, each attempt
// and how it ended, what it captured, which expectations held, and every gate sample it took. Pure:
// the detail view of the checklist (and the pair's) asks this instead of the state's bounded tails.

/** Which step: a phase id ("rollback" for the rollback procedure) and a step id. */
export type StepAddress = {phase: string; step: string};

export type AttemptDetail = {
	attempt: number;
	startedAt: number;
	finishedAt?: number;
	/** running until its step-finished arrives. */
	status: StepStatus;
	exitCode?: number | null;
	durationMs?: number;
	reason?: string;
};

/**
 * The command of a step: `as run` from the step-started event, `planned` for a step that has not
 * run (today's variables filled in), `as written` for a journal older than the argv field.
 */
export type CommandDetail = {argv: string[]; text: string; source: 'as run' | 'planned' | 'as written'; shell?: boolean};

export type CapturedDetail = {
	name: string;
	/** Undefined while nothing was captured. The value is as journaled: redacted when secret. */
	value?: string;
	/** A secret variable, or a capture of a secret step: never shown. */
	secret: boolean;
	/** Where it is taken from: "json $[0].ImageRef", "regex /image: (\S+)/". */
	from?: string;
};

/** Whether an expectation held: matched, failed, not checked (an earlier one failed), or pending (not run). */
export type ExpectationVerdict = 'matched' | 'failed' | 'not checked' | 'pending';

export type ExpectationDetail = {text: string; verdict: ExpectationVerdict};

export type GateSample = {ts: number; value: number | null; verdict: Verdict; weight?: number; reason?: string};

/** What one weight of a traffic step showed for one gate. */
export type WeightDetail = {
	weight: number;
	samples: number;
	failed: number;
	unknown: number;
	/** The verdict of the last sample at this weight; pending when it was never sampled. */
	verdict: Verdict | 'pending';
	last?: GateSample;
};

export type GateHistory = {
	index: number;
	gate: Gate;
	metric: string;
	title: string;
	unit?: string;
	threshold: string;
	/** Every green sample of the latest attempt, in order. */
	green: GateSample[];
	/** Every blue sample of the latest attempt, in order. */
	blue: SeriesPoint[];
	/** Traffic steps: one entry per weight of the runbook, in its order. */
	weights: WeightDetail[];
};

export type StepDetail = {
	phase: {id: string; title: string};
	step: StepState;
	/** As the checklist row shows it (a pending step behind a failed one is blocked). */
	status: StepStatus;
	target: string;
	command?: CommandDetail;
	/** http steps: the request, today's variables filled in. */
	request?: {method: string; url: string};
	attempts: AttemptDetail[];
	captured: CapturedDetail[];
	expectations: ExpectationDetail[];
	gates: GateHistory[];
	/** Link steps: the nested checklist. */
	items: LinkItem[];
};

/**
 * An argv as a person would type it: elements with spaces or quotes shown quoted. A {{variable}}
 * still to be filled in and «redacted» stay bare: they are placeholders, not text to type.
 */
export const quoteArgv = (argv: readonly string[]): string =>
	argv.map((element) => (/^[\w@%+=:,./{}\u00ab\u00bb-]+$/.test(element) ? element : JSON.stringify(element))).join(' ');

/** {{name}} filled in where the value is known; an unknown one stays as written. */
const fillKnown = (text: string, variables: Readonly<Record<string, string>>): string =>
	text.replace(variablePattern, (whole, name: string) => variables[name] ?? whole);

const phaseOf = (state: RunState, phaseId: string): PhaseState | undefined =>
	phaseId === ROLLBACK_PHASE_ID ? state.rollback : state.phases.find((phase) => phase.id === phaseId);

const ofStep = (event: EngineEvent, at: StepAddress): boolean =>
	'step' in event && event.step === at.step && 'phase' in event && event.phase === at.phase;

/** The events of one step, and where its latest attempt begins among them. */
const stepEvents = (events: readonly EngineEvent[], at: StepAddress): {mine: EngineEvent[]; latest: number} => {
	const mine: EngineEvent[] = [];
	let latest = 0;
	for (const event of events) {
		if (!ofStep(event, at)) continue;
		if (event.type === 'step-started') latest = mine.length;
		mine.push(event);
	}
	return {mine, latest};
};

const attemptsOf = (mine: readonly EngineEvent[]): AttemptDetail[] => {
	const attempts: AttemptDetail[] = [];
	for (const event of mine) {
		if (event.type === 'step-started') {
			attempts.push({attempt: event.attempt, startedAt: event.ts, status: 'running'});
			continue;
		}
		const open = attempts.at(-1);
		if (event.type === 'step-finished' && open && open.finishedAt === undefined) {
			Object.assign(open, {
				status: event.status,
				finishedAt: event.ts,
				exitCode: event.exitCode,
				durationMs: event.durationMs,
				reason: event.reason,
			});
		}
		if (event.type === 'outcome-decided' && open && event.decision !== 'rerun') {
			open.status = event.decision === 'done' ? 'passed' : 'failed';
			open.reason = `${open.reason ? `${open.reason}; ` : ''}marked ${event.decision === 'done' ? 'done' : 'failed'} by ${event.operator}`;
		}
		if (event.type === 'override-given' && open) {
			open.status = 'overridden';
			open.reason = `${open.reason ? `${open.reason}; ` : ''}break-glass by ${event.operator}: ${event.reason}`;
		}
	}
	return attempts;
};

const commandOf = (step: Step, started: StepStarted | undefined, variables: Readonly<Record<string, string>>): CommandDetail | undefined => {
	if (step.kind !== 'command' && step.kind !== 'traffic') return undefined;
	const shell = step.kind === 'command' && step.shell ? true : undefined;
	const described = (argv: string[], source: CommandDetail['source']): CommandDetail => ({argv, text: quoteArgv(argv), source, ...(shell ? {shell} : {})});
	if (started?.argv) return described(started.argv, 'as run');
	if (started) return described([...step.run], 'as written');
	// Not run yet: what it will run with the values known now ({{weight}} stays, it changes per weight).
	const known = step.kind === 'traffic' ? {...variables, weight: '{{weight}}'} : variables;
	return described(step.run.map((element) => fillKnown(element, known)), 'planned');
};

const captureSource = (capture: Capture): string => ('regex' in capture ? `regex /${capture.regex}/` : `json ${capture.json}${capture.first ? ' (first)' : ''}`);

const capturesOf = (step: StepState, state: RunState): CapturedDetail[] => {
	const specs = step.step.kind === 'command' || step.step.kind === 'http' ? (step.step.capture ?? {}) : {};
	const names = [...new Set([...Object.keys(specs), ...Object.keys(step.captured)])];
	return names.map((name) => {
		const spec = specs[name];
		return {
			name,
			...(step.captured[name] === undefined ? {} : {value: step.captured[name]}),
			secret: Boolean(step.step.secret) || state.secretVariables.includes(name),
			...(spec ? {from: captureSource(spec)} : {}),
		};
	});
};

const asList = (json: JsonExpectation | readonly JsonExpectation[] | undefined): readonly JsonExpectation[] =>
	json === undefined ? [] : Array.isArray(json) ? json : [json as JsonExpectation];

const describeJson = (expectation: JsonExpectation): string => {
	if (expectation.absent) return `${expectation.path} finds nothing`;
	if (expectation.equals !== undefined) return `${expectation.path} = ${JSON.stringify(expectation.equals)}`;
	if (expectation.matches !== undefined) return `${expectation.path} matches /${expectation.matches}/`;
	return `${expectation.path} finds a value`;
};

type Stage = {text: string; failedBy: (reason: string) => boolean};

/**
 * The expectations of a command or http step in the order the step checks them, and how far the
 * latest attempt got: everything before the one that failed matched, everything after was not checked.
 */
const expectationsOf = (step: StepState, latest: AttemptDetail | undefined): ExpectationDetail[] => {
	const definition = step.step;
	const stages: Stage[] = [];
	if (definition.kind === 'command') {
		const code = definition.expect?.exitCode ?? 0;
		// An exit code that differs, a timeout or a spawn failure: the first check did not hold.
		const exitFailed = (reason: string) =>
			latest?.exitCode !== code || /^(timed out|cancelled|command not found|killed)/.test(reason);
		stages.push({text: `exit code ${code}`, failedBy: exitFailed});
		if (definition.expect?.stdout !== undefined) {
			stages.push({text: `stdout matches /${definition.expect.stdout}/`, failedBy: (reason) => reason.startsWith('stdout did not match')});
		}
		for (const expectation of asList(definition.expect?.json)) {
			stages.push({text: `stdout ${describeJson(expectation)}`, failedBy: (reason) => jsonFailed(reason, expectation)});
		}
	} else if (definition.kind === 'http') {
		const status = definition.expect?.status;
		stages.push({text: status === undefined ? 'HTTP status 2xx' : `HTTP status ${status}`, failedBy: (reason) => !reason.startsWith('body ') && !reason.startsWith('capture ') && !/^\$|not JSON|nothing at|cannot evaluate/.test(reason)});
		if (definition.expect?.body !== undefined) {
			stages.push({text: `body matches /${definition.expect.body}/`, failedBy: (reason) => reason.startsWith('body did not match')});
		}
		for (const expectation of asList(definition.expect?.json)) {
			stages.push({text: `body ${describeJson(expectation)}`, failedBy: (reason) => jsonFailed(reason, expectation)});
		}
	} else {
		return [];
	}
	if (!latest || latest.status === 'running' || latest.status === 'pending') {
		return stages.map((stage) => ({text: stage.text, verdict: 'pending'}));
	}
	if (latest.status === 'passed') return stages.map((stage) => ({text: stage.text, verdict: 'matched'}));
	// Interrupted or skipped: nothing was judged.
	if (latest.status === 'unknown' || latest.status === 'skipped') return stages.map((stage) => ({text: stage.text, verdict: 'not checked'}));
	const reason = latest.reason ?? '';
	const failing = stages.findIndex((stage) => stage.failedBy(reason));
	return stages.map((stage, index) => ({
		text: stage.text,
		verdict: failing === -1 || index < failing ? 'matched' : index === failing ? 'failed' : 'not checked',
	}));
};

/** A JSON expectation failed when the reason names its path, or says the JSON could not be read at all. */
const jsonFailed = (reason: string, expectation: JsonExpectation): boolean =>
	!reason.startsWith('capture ') && (reason.includes(expectation.path) || /is not JSON/.test(reason));

const gatesOf = (step: StepState, state: RunState, samples: readonly GateSampled[]): GateHistory[] =>
	step.gates.map((gateState, index) => {
		const mine = samples.filter((sample) => sample.gate === index);
		const green: GateSample[] = [];
		const blue: SeriesPoint[] = [];
		let threshold: string | undefined;
		for (const sample of mine) {
			if (sample.colour === 'blue') {
				blue.push({ts: sample.ts, value: sample.value});
				continue;
			}
			threshold = sample.threshold ?? threshold;
			green.push({
				ts: sample.ts,
				value: sample.value,
				verdict: sample.verdict,
				...(sample.weight === undefined ? {} : {weight: sample.weight}),
				...(sample.reason === undefined ? {} : {reason: sample.reason}),
			});
		}
		const metric = state.metrics[gateState.metric];
		const weights = step.step.kind === 'traffic' ? step.step.weights.map((weight) => weightDetail(weight, green)) : [];
		return {
			index,
			gate: gateState.gate,
			metric: gateState.metric,
			title: metric?.title ?? gateState.metric,
			...(metric?.unit ? {unit: metric.unit} : {}),
			threshold: threshold ?? describeThreshold(gateState.gate, metric?.unit),
			green,
			blue,
			weights,
		};
	});

const weightDetail = (weight: number, green: readonly GateSample[]): WeightDetail => {
	const at = green.filter((sample) => sample.weight === weight);
	const last = at.at(-1);
	return {
		weight,
		samples: at.length,
		failed: at.filter((sample) => sample.verdict === 'fail').length,
		unknown: at.filter((sample) => sample.verdict === 'unknown').length,
		verdict: last?.verdict ?? 'pending',
		...(last ? {last} : {}),
	};
};

/**
 * Everything about one step from the events: undefined when the runbook has no such step. The
 * events are the journal's, already redacted; secret captures are marked so the screen hides them.
 */
export const stepDetail = (state: RunState, events: readonly EngineEvent[], at: StepAddress): StepDetail | undefined => {
	const phase = phaseOf(state, at.phase);
	const index = phase?.steps.findIndex((step) => step.id === at.step) ?? -1;
	const step = phase?.steps[index];
	if (!phase || !step) return undefined;
	const {mine, latest} = stepEvents(events, at);
	const current = mine.slice(latest);
	const started = current[0]?.type === 'step-started' ? current[0] : undefined;
	const attempts = attemptsOf(mine);
	const definition = step.step;
	const samples = current.filter((event): event is GateSampled => event.type === 'gate-sampled');
	return {
		phase: {id: phase.id, title: phase.title},
		step,
		status: displayStatus(phase, index),
		target: state.target,
		...(definition.kind === 'command' || definition.kind === 'traffic'
			? {command: commandOf(definition, started, state.variables)}
			: {}),
		...(definition.kind === 'http'
			? {request: {method: definition.method ?? 'GET', url: fillKnown(definition.url, state.variables)}}
			: {}),
		attempts,
		captured: capturesOf(step, state),
		expectations: expectationsOf(step, attempts.at(-1)),
		gates: gatesOf(step, state, samples),
		items: step.items,
	};
};
