// What a drill found: each rehearsal classified from its JSON events, and per scenario the figures
// the issue asks for (runs, false alarms or detections, time to detection). Pure: no I/O.

/** The fields of a `--json` event a drill reads. */
export type DrillEvent = {
	type: string;
	ts: number;
	phase?: string;
	step?: string;
	status?: string;
	reason?: string;
	outcome?: string;
	metric?: string;
	colour?: string;
	verdict?: string;
	insufficient?: boolean;
};

/** The fault-free rehearsal's name in tables and JSON. */
export const FAULT_FREE = 'fault-free';

/**
 * Which check of the seed runbook is meant to catch each fault (the scenario descriptions say so).
 * A fault run stopped by another check is not counted as a detection: on a fault-free stretch of
 * that run it would have been a false alarm. For another runbook, pass none: any failure counts.
 */
export const SEED_RUNBOOK_CATCHES: Readonly<Record<string, RegExp>> = {
	'green-latency': / · p(50|95|99)$/,
	'green-latency-subtle': / · p(50|95|99)$/,
	'green-5xx': / · errors$/,
	'green-5xx-subtle': / · errors$/,
	'token-invalid-spike': / · tokenInvalid$/,
	'token-invalid-subtle': / · tokenInvalid$/,
	'contract-break': /\/contract$/,
	'deploy-fails': /\/green-deploy$/,
	// A flapping /health is caught by whichever smoke check first lands in a bad half-second.
	'health-flap': /^smoke\/(fly-status|health-checks|health|contract)$/,
	'metrics-outage': /^smoke\/observability · /,
	// The lever's weight is kept, Fly's proxy delivers far more: only the measured share can tell.
	'skewed-share': /^traffic-switch\/traffic-erhoehen · greenShare$/,
};

export type RunRecord = {
	scenario: string;
	exitCode: number;
	durationMs: number;
	events: DrillEvent[];
	/** Standard error's last lines, when the run did not end as a run should. */
	stderr?: string;
};

export type RunVerdict = {
	scenario: string;
	/** completed: the release went through; caught: a check failed; broken: the run itself ended abnormally. */
	result: 'completed' | 'caught' | 'broken';
	durationMs: number;
	/** The failing check: phase/step and, for a gate, its metric. */
	caughtBy?: string;
	reason?: string;
	/** From the failing step's start to its failure: how long the check needed. */
	detectionMs?: number;
	/** Samples that waited for evidence (insufficient data) in the run. */
	insufficientSamples: number;
	problem?: string;
};

export type ScenarioSummary = {
	scenario: string;
	runs: number;
	/** Fault-free: runs that failed anyway (false alarms). Fault scenarios: runs the expected check caught (detections). */
	failed: number;
	/** Fault scenarios: runs stopped by another check than the one meant to catch the fault. */
	otherCatch: number;
	completed: number;
	broken: number;
	/** Median and largest detection time of the runs that failed, in ms. */
	detectionMedianMs?: number;
	detectionMaxMs?: number;
	/** The checks that failed, with how often. */
	caughtBy: Record<string, number>;
	medianRunMs: number;
};

const lastOf = <T>(list: readonly T[], test: (item: T) => boolean): T | undefined => [...list].reverse().find(test);

const median = (values: number[]): number | undefined => {
	if (values.length === 0) return undefined;
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/** One rehearsal, judged from its events: did it go through, which check stopped it, and how fast. */
export const classifyRun = (run: RunRecord): RunVerdict => {
	const insufficientSamples = run.events.filter((event) => event.type === 'gate-sampled' && event.colour === 'green' && event.insufficient).length;
	const base = {scenario: run.scenario, durationMs: run.durationMs, insufficientSamples};
	const finished = lastOf(run.events, (event) => event.type === 'run-finished');
	const failure = run.events.find((event) => event.type === 'step-finished' && event.status === 'failed');
	if (failure) {
		const index = run.events.indexOf(failure);
		const started = lastOf(run.events.slice(0, index), (event) => event.type === 'step-started' && event.phase === failure.phase && event.step === failure.step);
		// The gate that failed, else the one the failure names (unknown, insufficient data).
		const samples = run.events.slice(0, index).filter((event) => event.type === 'gate-sampled' && event.colour === 'green' && event.phase === failure.phase && event.step === failure.step);
		const gate = lastOf(samples, (event) => event.verdict === 'fail') ?? lastOf(samples, (event) => event.verdict !== 'pass' && Boolean(event.metric && failure.reason?.includes(event.metric)));
		return {
			...base,
			result: 'caught',
			caughtBy: `${failure.phase}/${failure.step}${gate?.metric ? ` · ${gate.metric}` : ''}`,
			reason: failure.reason,
			detectionMs: started ? failure.ts - started.ts : undefined,
		};
	}
	if (run.exitCode === 0 && finished?.outcome === 'completed') return {...base, result: 'completed'};
	return {
		...base,
		result: 'broken',
		problem: `exit ${run.exitCode}${finished ? `, outcome ${finished.outcome}${finished.reason ? `: ${finished.reason}` : ''}` : ', no run-finished event'}${run.stderr ? `; ${run.stderr}` : ''}`,
	};
};

export const summarize = (verdicts: readonly RunVerdict[], catches: Readonly<Record<string, RegExp>> = {}): ScenarioSummary[] => {
	const byScenario = new Map<string, RunVerdict[]>();
	for (const verdict of verdicts) byScenario.set(verdict.scenario, [...(byScenario.get(verdict.scenario) ?? []), verdict]);
	return [...byScenario].map(([scenario, runs]) => {
		const stopped = runs.filter((run) => run.result === 'caught');
		const expected = catches[scenario];
		const caught = stopped.filter((run) => scenario === FAULT_FREE || !expected || expected.test(run.caughtBy ?? ''));
		const detections = caught.flatMap((run) => (run.detectionMs === undefined ? [] : [run.detectionMs]));
		const caughtBy: Record<string, number> = {};
		for (const run of stopped) caughtBy[run.caughtBy ?? '?'] = (caughtBy[run.caughtBy ?? '?'] ?? 0) + 1;
		return {
			scenario,
			runs: runs.length,
			failed: caught.length,
			otherCatch: stopped.length - caught.length,
			completed: runs.filter((run) => run.result === 'completed').length,
			broken: runs.filter((run) => run.result === 'broken').length,
			detectionMedianMs: median(detections),
			detectionMaxMs: detections.length > 0 ? Math.max(...detections) : undefined,
			caughtBy,
			medianRunMs: median(runs.map((run) => run.durationMs)) ?? 0,
		};
	});
};

const seconds = (ms: number | undefined): string => (ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);

/**
 * The table a person reads: per scenario the runs, false alarms (fault-free) or detections (each
 * fault), time to detection (median / max, rehearsal seconds and what that is at speed 1), and
 * which checks caught it.
 */
export const drillTable = (summaries: readonly ScenarioSummary[], speed: number): string => {
	const rows = summaries.map((summary) => {
		const faultFree = summary.scenario === FAULT_FREE;
		const other = summary.otherCatch > 0 ? ` (+${summary.otherCatch} stopped by another check)` : '';
		const outcome = faultFree ? `${summary.failed} false alarm${summary.failed === 1 ? '' : 's'}` : `${summary.failed}/${summary.runs} detected${other}`;
		const detection =
			summary.detectionMedianMs === undefined
				? '—'
				: `${seconds(summary.detectionMedianMs)} / ${seconds(summary.detectionMaxMs)} (≈ ${Math.round(((summary.detectionMedianMs ?? 0) * speed) / 60_000)} min at speed 1)`;
		const caught = Object.entries(summary.caughtBy)
			.sort(([, a], [, b]) => b - a)
			.map(([check, count]) => `${check} ×${count}`)
			.join(', ');
		return [summary.scenario, String(summary.runs), outcome, String(summary.broken), detection, seconds(summary.medianRunMs), caught || '—'];
	});
	const head = ['scenario', 'runs', 'false alarms / detections', 'broken', 'time to detection (median / max)', 'run (median)', 'caught by'];
	return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
};
