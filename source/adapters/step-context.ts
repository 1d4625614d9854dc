import type {EventInput, StepOutcome} from '../engine/events.js';
import type {MetricSource, Step} from '../runbook/schema.js';
import type {CommandSpec} from './command-runner.js';

/** Everything a step executor may use. The driver owns the events around it (start, finish). */
export type StepContext<S extends Step = Step> = {
	/** Phase id ("rollback" for the rollback procedure). */
	phase: string;
	step: S;
	/** Variables resolved so far, captures of earlier steps included. Values are real (unredacted). */
	variables: Readonly<Record<string, string>>;
	/** Variables declared `optionLike`: a whole argument may start with "-". */
	optionLike?: readonly string[];
	/** Environment for child processes: process.env + the target's env. */
	env: Readonly<Record<string, string>>;
	/** Folder of the runbook file: relative paths resolve from here. */
	runbookDir: string;
	/** Aborted on quit, Ctrl-C, rollback or a retry; executors must stop promptly and kill children. */
	signal: AbortSignal;
	/**
	 * One line of output. Redacted, written to the step's full log and batched to the screen by the
	 * driver. `continues`: a piece of a very long line that goes on in the next call.
	 */
	log: (line: string, continues?: boolean) => void;
	/**
	 * A command's output as the runner cuts it: whole lines, each ending in "\n", or (`continues`) a
	 * piece of a very long line. Goes where `log` goes, a block at a time; without it, lines go to `log`.
	 */
	output?: (text: string, continues: boolean) => void;
	/** A promise while the step's log file is behind what it was given: a command's output waits for it. */
	behind?: () => Promise<void> | undefined;
	/**
	 * Emits an event (gate-sampled, traffic-shifted, …), or several that belong together (a tick's
	 * samples): the driver stamps time and journals them, several in one write.
	 */
	emit: (event: EventInput | readonly EventInput[]) => void;
	/** Bake and watch durations are divided by this (rehearsal --speed). 1 in production. */
	speed: number;
	/** Metric definitions for the chosen target (target overrides applied). */
	metrics: Readonly<Record<string, {title: string; unit?: string; green: MetricSource; blue?: MetricSource}>>;
};

export type StepResult = {
	status: StepOutcome;
	exitCode?: number | null;
	/** For a person: why it failed, or the evidence it passed on. */
	reason?: string;
	/** Captured variables: name → value. */
	captured?: Record<string, string>;
};

/** What `emit` was given, as a list. */
export const eventsOf = (input: EventInput | readonly EventInput[]): readonly EventInput[] => (Array.isArray(input) ? input : [input]) as readonly EventInput[];

export type StepExecutor<S extends Step = Step> = (context: StepContext<S>) => Promise<StepResult>;

/** Said instead of what a secret step printed or answered. */
export const SECRET_OUTPUT_HIDDEN = '(output hidden: secret step)';

/** A failure reason as it may be shown: a secret step's says that its output is hidden. */
export const failureReason = (step: {secret?: boolean}, reason: string): string =>
	step.secret ? `${reason} ${SECRET_OUTPUT_HIDDEN}` : reason;

/** Where a command's output goes: the step's output a block at a time, paced by its log file; else `log` line by line. */
export const outputTo = (context: StepContext): Pick<CommandSpec, 'onOutput' | 'onLine' | 'behind'> => {
	const {output, behind} = context;
	if (!output) return {onLine: (line, _stream, continues) => context.log(line, continues)};
	return {onOutput: (text, _stream, continues) => output(text, continues), ...(behind ? {behind} : {})};
};
