// The one stream: every change of a release is one of these events. The reducer folds them into
// state; the journal, the plain/JSON output, the pair's view and resume all read the same events.

export type StepStatus =
	| 'pending'
	| 'running'
	| 'passed'
	| 'failed'
	| 'blocked'
	| 'skipped'
	| 'overridden'
	| 'unknown';

/** How a finished step ended. */
export type StepOutcome = 'passed' | 'failed' | 'skipped' | 'unknown';

export type Verdict = 'pass' | 'fail' | 'unknown';

export type Colour = 'green' | 'blue';

export type RunOutcome = 'completed' | 'stopped' | 'failed' | 'rolled-back';

type At = {
	/** Milliseconds since the epoch. */
	ts: number;
};

/** The step an event is about. */
type StepAt = {
	/** Phase id, or "rollback" for the rollback procedure. */
	phase: string;
	step: string;
};

export type RunStarted = At & {
	type: 'run-started';
	title: string;
	runbookFile: string;
	/** sha256 of the runbook file's bytes when the run started: a resume under a changed runbook is refused. Absent in older journals. */
	runbookSha256?: string;
	target: string;
	operator: string;
	session: string;
	/** Resolved variables; secret values are already redacted here. */
	variables: Record<string, string>;
	secretVariables: string[];
};

export type StepStarted = At &
	StepAt & {
		type: 'step-started';
		attempt: number;
		/** The command as run (command steps; traffic steps with {{weight}} left in), redacted. Absent in older journals. */
		argv?: string[];
	};

/**
 * A batch of a step's output. The whole output is in the step's log file; the event says how much
 * the batch added and carries its last lines, for the screen and the pair. Journals written before
 * batches were counted hold every line of a batch in `lines` and none of the other fields.
 */
export type StepOutputEvent = At &
	StepAt & {
		type: 'step-output';
		/** The batch's last lines as shown: redacted, printable, each cut to a screen's worth, a few KB in all. */
		lines: string[];
		/** Lines the batch added to the log, shown or not (absent: lines.length). */
		count?: number;
		/** Bytes the batch added to the log. */
		bytes?: number;
		/** The log file in the session's logs/ folder, and its size once the batch was written. */
		log?: string;
		logBytes?: number;
		/** sha256 of what this run of the step has written to the log so far: its last (this run's bytes) bytes up to logBytes. */
		logSha256?: string;
	};

export type StepFinished = At &
	StepAt & {
		type: 'step-finished';
		status: StepOutcome;
		exitCode?: number | null;
		durationMs: number;
		/** Why it failed or what it found, for a person. */
		reason?: string;
		/** Captured variables: name → value (secret ones redacted). */
		captured?: Record<string, string>;
	};

/** A manual step, or one item of a linked checklist, ticked by an operator. */
export type StepTicked = At & StepAt & {type: 'step-ticked'; operator: string; item?: number};

export type GateSampled = At &
	StepAt & {
		type: 'gate-sampled';
		/** Index of the gate in the step's gates. */
		gate: number;
		metric: string;
		colour: Colour;
		value: number | null;
		verdict: Verdict;
		/** The bound it was judged against, e.g. "≤ 300 ms" or "≤ 1.2× blue". */
		threshold?: string;
		reason?: string;
		/** For traffic steps: the percentage on green when sampled. */
		weight?: number;
		/** Observations behind the value in its window, when the source counts them. */
		count?: number;
		/** Observations behind blue's value (ratio gates). */
		blueCount?: number;
		/** Observations a window needs before it is judged (minCount, or what a quantile needs). */
		needed?: number;
		/** Too few observations: the verdict is unknown for want of evidence, not for want of a value. */
		insufficient?: true;
		/** The span the values cover: the gate's window, or the bake so far. */
		windowMs?: number;
		/** Green against blue over the same window (ratio gates): effect, test and confidence. */
		comparison?: Comparison;
		/** Sampled after the planned bake or watch, which went on because a gate still waited for evidence. */
		extended?: true;
		/** The traffic step's share gate: the value is the share green served, judged against `weight` ± the tolerance. */
		share?: true;
	};

/** Green against blue: the effect and, where the evidence allows a test, its significance. */
export type Comparison = {
	/** mann-whitney over distributions, two-proportions over counted hits, values when neither side can be tested. */
	test: 'mann-whitney' | 'two-proportions' | 'values';
	/** Green's value divided by blue's; null when blue is 0 and green is not. */
	ratio: number | null;
	/** The confidence the gate asks for, e.g. 0.95. */
	confidence: number;
	/** One-sided p-value of "green is worse than blue". */
	pValue?: number;
	/** True when green is worse than blue at that confidence. */
	significant?: boolean;
};

export type TrafficShifted = At & StepAt & {type: 'traffic-shifted'; weight: number};

/** How a confirmation's operator was identified: absent for the driver at its keyboard; a pair's by the session's mode. */
export type Verification = 'uid' | 'ssh-key' | 'name';

export type PhaseConfirmed = At & {type: 'phase-confirmed'; phase: string; operator: string; verified?: Verification};

export type OverrideGiven = At & StepAt & {type: 'override-given'; reason: string; operator: string};

export type RollbackStarted = At & {type: 'rollback-started'; operator: string; reason: string};

export type NoteAdded = At & {type: 'note-added'; text: string; operator: string};

/** The operator's decision about a step whose outcome is unknown (crash while it ran). */
export type OutcomeDecided = At &
	StepAt & {type: 'outcome-decided'; decision: 'rerun' | 'done' | 'failed'; operator: string};

export type OperatorJoined = At & {type: 'operator-joined'; operator: string; verified?: Verification};

/** Something a pair sent was refused (malformed, unidentified, not allowed): shown to both sides and kept in the record. */
export type PairRefused = At & {type: 'pair-refused'; operator?: string; reason: string};

export type RunResumed = At & {type: 'run-resumed'; operator: string};

export type RunFinished = At & {type: 'run-finished'; outcome: RunOutcome; reason?: string};

export type EngineEvent =
	| RunStarted
	| RunResumed
	| StepStarted
	| StepOutputEvent
	| StepFinished
	| StepTicked
	| GateSampled
	| TrafficShifted
	| PhaseConfirmed
	| OverrideGiven
	| RollbackStarted
	| NoteAdded
	| OutcomeDecided
	| OperatorJoined
	| PairRefused
	| RunFinished;

export type EventType = EngineEvent['type'];

/** An event before it is stamped with a time. */
export type EventInput = EngineEvent extends infer E ? (E extends At ? Omit<E, 'ts'> : never) : never;
