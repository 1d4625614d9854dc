import {
	changesProduction,
	isAutomated,
	ROLLBACK_PHASE_ID,
	type Gate,
	type Runbook,
	type Step,
} from '../runbook/schema.js';
import type {LinkedChecklists} from '../runbook/load.js';
import type {Comparison, RunOutcome, StepStatus, Verdict} from './events.js';
import {sampledGates} from './share-gate.js';

/** Points kept per series: enough for a chart, bounded so a long watch cannot grow memory. */
export const SERIES_LIMIT = 120;
/** Log lines kept per step in state (the full log goes to the session folder). */
export const LOG_TAIL_LIMIT = 200;

export type SeriesPoint = {ts: number; value: number | null};

export type GateState = {
	gate: Gate;
	metric: string;
	green: SeriesPoint[];
	blue: SeriesPoint[];
	/** Verdict of the latest green sample. */
	lastVerdict: Verdict | 'pending';
	lastValue: number | null;
	lastBlue: number | null;
	threshold?: string;
	reason?: string;
	/** Consecutive passing samples up to now. */
	streak: number;
	/** True when the last `samples` samples passed. */
	holds: boolean;
	/** Failed samples in the current bake or watch (failureLimit counts these); absent is none. */
	failures?: number;
	/** The latest green sample had too few observations to be judged. */
	insufficient?: boolean;
	/** Observations behind the latest green (and blue) value, and how many a window needs. */
	lastCount?: number;
	lastBlueCount?: number;
	needed?: number;
	/** The span the latest values cover. */
	windowMs?: number;
	/** The latest comparison of green with blue (ratio gates). */
	comparison?: Comparison;
	/** The latest sample came after the planned bake or watch: the step waits for evidence. */
	extended?: boolean;
};

export type LinkItem = {id: string; title: string; ticked: boolean; by?: string};

export type StepState = {
	id: string;
	title: string;
	kind: Step['kind'];
	step: Step;
	status: StepStatus;
	attempt: number;
	startedAt?: number;
	finishedAt?: number;
	durationMs?: number;
	exitCode?: number | null;
	reason?: string;
	captured: Record<string, string>;
	/** The last lines of the step's output as shown (the full log is in the session folder). */
	log: string[];
	/** Lines of the output not in `log`: with it, every line the step printed. */
	logDropped: number;
	gates: GateState[];
	/** Traffic steps: the percentage on green right now. */
	weight?: number;
	/** Traffic steps: when the current weight was set (its bake runs from here). */
	weightSince?: number;
	/** Link steps: the nested checklist. */
	items: LinkItem[];
	tickedBy?: string;
	override?: {reason: string; operator: string};
};

export type PhaseState = {
	id: string;
	title: string;
	confirm: 'operator' | 'pair';
	steps: StepState[];
	/** Operators who confirmed, in order (two different ones for "pair"). */
	confirmations: string[];
	confirmed: boolean;
	startedAt?: number;
	confirmedAt?: number;
};

export type Note = {ts: number; text: string; operator: string};

export type RunState = {
	title: string;
	runbookFile: string;
	target: string;
	session: string;
	operator: string;
	started: boolean;
	startedAt?: number;
	finishedAt?: number;
	variables: Record<string, string>;
	secretVariables: string[];
	phases: PhaseState[];
	rollback?: PhaseState & {active: boolean; reason?: string; startedBy?: string};
	notes: Note[];
	operators: string[];
	/** Pairs known by a name only (rehearsals): shown and recorded as not verified. */
	unverified: string[];
	/** What the driver refused from a pair, newest last (bounded). */
	refusals: Array<{ts: number; operator?: string; reason: string}>;
	outcome?: RunOutcome;
	outcomeReason?: string;
	breakGlass: boolean;
	/** Title and unit of each metric, for charts and verdicts. */
	metrics: Record<string, {title: string; unit?: string}>;
	/** Number of events folded in. */
	seq: number;
};

// Loading a runbook produces the links; the driver still imports the type from here.
export type {LinkedChecklists} from '../runbook/load.js';

const gateStates = (step: Step): GateState[] =>
	step.kind === 'watch' || step.kind === 'traffic'
		? sampledGates(step).map((gate) => ({
				gate,
				metric: gate.metric,
				green: [],
				blue: [],
				lastVerdict: 'pending',
				lastValue: null,
				lastBlue: null,
				streak: 0,
				holds: false,
				failures: 0,
				insufficient: false,
			}))
		: [];

export const freshStep = (step: Step, links: LinkedChecklists = {}): StepState => ({
	id: step.id,
	title: step.title,
	kind: step.kind,
	step,
	status: 'pending',
	attempt: 0,
	captured: {},
	log: [],
	logDropped: 0,
	gates: gateStates(step),
	items: (links[step.id] ?? []).map((item) => ({...item, ticked: false})),
});

export const initialState = (runbook: Runbook, links: LinkedChecklists = {}): RunState => ({
	title: runbook.title,
	runbookFile: '',
	target: '',
	session: '',
	operator: '',
	started: false,
	variables: {},
	secretVariables: [],
	phases: runbook.phases.map((phase) => ({
		id: phase.id,
		title: phase.title,
		confirm: phase.confirm,
		steps: phase.steps.map((step) => freshStep(step, links)),
		confirmations: [],
		confirmed: false,
	})),
	rollback: runbook.rollback
		? {
				id: ROLLBACK_PHASE_ID,
				title: runbook.rollback.title,
				confirm: 'operator',
				steps: runbook.rollback.steps.map((step) => freshStep(step, links)),
				confirmations: [],
				confirmed: false,
				active: false,
			}
		: undefined,
	notes: [],
	operators: [],
	unverified: [],
	refusals: [],
	breakGlass: false,
	metrics: Object.fromEntries(
		Object.entries(runbook.metrics).map(([id, metric]) => [id, {title: metric.title, unit: metric.unit}]),
	),
	seq: 0,
});

export {changesProduction, isAutomated};
