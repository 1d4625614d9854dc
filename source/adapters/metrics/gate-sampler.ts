import type {GateSampled, Verdict} from '../../engine/events.js';
import {describeComparison, formatSpan, formatValue, freshTally, judgeSample, nextTally, wholeCount, type GateTally, type SampleJudgement} from '../../engine/gate.js';
import {sampledGates, shareGateIndex} from '../../engine/share-gate.js';
import {parseDuration} from '../../runbook/duration.js';
import type {Gate, TrafficStep, WatchStep} from '../../runbook/schema.js';
import type {StepContext} from '../step-context.js';
import {rangeDuration, type LoadReadout, type MetricReader, type MetricReading, type ReadWindow} from './reading.js';

/** Sampling never runs faster than this, however high the rehearsal speed. */
export const MIN_INTERVAL_MS = 200;
const DEFAULT_INTERVAL = '5s';
/** {{window}} for a gate that names none: the span PromQL dashboards use most. */
const DEFAULT_TEMPLATE_WINDOW = '1m';

export type SamplingPlan = {
	durationMs: number;
	intervalMs: number;
	/** How long sampling may go on in all while a gate waits for evidence; at least durationMs. */
	maxDurationMs: number;
	/** Gate windows (durations) shrink by the rehearsal speed like every other span. */
	speed: number;
	weight?: number;
};

export type SamplingResult =
	| {status: 'passed'; evidence: string}
	/** `gate`: the index of the gate that failed, with its last value, when a gate (not the stop) ended it. */
	| {status: 'failed'; reason: string; gate?: number; value?: number | null}
	/** Every gate that does not hold lacks observations only: not a verdict on green, so not a failure either. */
	| {status: 'insufficient'; reason: string}
	| {status: 'cancelled'; reason: string};

/** Durations as the run experiences them: divided by the rehearsal speed, the interval kept sane. */
export const samplingPlan = (
	duration: string,
	interval: string | undefined,
	speed: number,
	options: {weight?: number; maxDuration?: string} = {},
): SamplingPlan => {
	const factor = speed > 0 ? speed : 1;
	const durationMs = parseDuration(duration) / factor;
	return {
		durationMs,
		intervalMs: Math.max(MIN_INTERVAL_MS, parseDuration(interval ?? DEFAULT_INTERVAL) / factor),
		maxDurationMs: Math.max(durationMs, options.maxDuration ? parseDuration(options.maxDuration) / factor : 0),
		speed: factor,
		weight: options.weight,
	};
};

type Tally = GateTally & {
	gate: Gate;
	unit: string;
	/** Unreadable samples in a row (not insufficient data): one or two are a hiccup, more an outage. */
	unknownStreak: number;
	last?: SampleJudgement & {value: number | null};
};

type Readings = {green: MetricReading; blue?: MetricReading};

/** Waits, or stops waiting the moment the signal aborts. */
export const pause = (ms: number, signal: AbortSignal): Promise<void> =>
	new Promise((resolve) => {
		if (signal.aborted || ms <= 0) return resolve();
		const done = () => {
			clearTimeout(timer);
			signal.removeEventListener('abort', done);
			resolve();
		};
		const timer = setTimeout(done, ms);
		signal.addEventListener('abort', done, {once: true});
	});

/** A reading as the log shows it: "48.8 ms", "unknown". */
export const withUnit = (value: number | null, unit: string): string =>
	value === null ? 'unknown' : `${formatValue(value)}${unit ? ` ${unit}` : ''}`;

/** The observations behind a reading, as the log shows them: " (46 requests)". */
export const withCount = (reading: MetricReading | undefined): string =>
	reading?.evidence ? ` (${wholeCount(reading.evidence.count)} ${reading.evidence.noun ?? 'observations'})` : '';

const verdictMark: Record<Verdict, string> = {pass: '✓', fail: '✗', unknown: '?'};

/** Why a gate does not hold, for a person: "p95 412 ms > 300 ms", "p95 insufficient data: 12 requests in 6 s, need 50". */
const notHolding = (tally: Tally): string => {
	const {last, gate} = tally;
	if (!last) return `${gate.metric} was never sampled`;
	if (last.verdict === 'fail') {
		const limit = gate.failureLimit ?? 0;
		const why = last.reason ?? `${gate.metric} out of bounds`;
		return limit > 0 ? `${why} (${tally.failures} failed samples, ${limit} allowed)` : why;
	}
	if (last.insufficient) return `${gate.metric} ${last.reason ?? 'insufficient data'}`;
	if (last.verdict === 'unknown') return `${gate.metric} unknown: ${last.reason ?? 'no value'}`;
	return `${gate.metric} held for ${tally.streak} of ${gate.samples ?? 1} consecutive samples`;
};

/** Unreadable samples in a row after which the gate stops waiting: a source that hiccups is read again, an outage blocks. */
const UNKNOWN_RETRIES = 2;

/**
 * A gate that does not hold yet but may with more time: too few observations, passes still to
 * collect, or a source that failed to answer once or twice (as Argo's consecutiveErrorLimit).
 */
const waitingForEvidence = (tally: Tally): boolean => {
	if (tally.holds || tally.failed || tally.last === undefined) return false;
	if (tally.last.verdict !== 'unknown' || tally.last.insufficient === true) return true;
	return tally.unknownStreak <= UNKNOWN_RETRIES;
};

/**
 * At the end, a gate that does not hold says nothing against green when all it lacks is evidence:
 * its last window held too few observations, or it never failed a sample and its passes in a row
 * are still short of `samples`. That is too little evidence (the operator decides), not a failure.
 * A gate whose last sample failed or could not be read, or whose streak a failed sample broke, fails
 * closed.
 */
const shortOfEvidence = (tally: Tally): boolean =>
	!tally.failed && (tally.last?.insufficient === true || (tally.last?.verdict === 'pass' && tally.failures === 0));

/** The window a gate's sources read over at this moment, if the gate names one. */
const readWindow = (gate: Gate, plan: SamplingPlan, started: number, now: number): ReadWindow | undefined => {
	if (gate.window === undefined) return undefined;
	if (gate.window === 'bake') return {ms: now - started, since: started};
	return {ms: parseDuration(gate.window) / plan.speed};
};

/**
 * Samples every gate of a watch or traffic step each interval for the planned time: each sample an
 * event, a line in the log. Fails as soon as a gate failed more samples than its failureLimit; at
 * the end passes only when every gate holds. Where a gate still waits for evidence (insufficient
 * data, passes to collect) sampling goes on up to the plan's limit, and ends there as too little
 * evidence, not a failure. Unknown never passes.
 */
export const sampleGates = async (
	reader: MetricReader,
	context: StepContext<WatchStep | TrafficStep>,
	plan: SamplingPlan,
	/** The synthetic load the step drives, read by sources of type "load". */
	load?: LoadReadout,
): Promise<SamplingResult> => {
	const {step, signal} = context;
	const gates = sampledGates(step, plan.weight);
	const share = shareGateIndex(step);
	const tallies: Tally[] = gates.map((gate) => ({gate, unit: context.metrics[gate.metric]?.unit ?? '', unknownStreak: 0, ...freshTally()}));
	const neededSamples = Math.max(1, ...gates.map((gate) => gate.samples ?? 1));
	const started = Date.now();

	const readMetric = async (metricId: string, window: ReadWindow | undefined): Promise<Readings> => {
		const metric = context.metrics[metricId];
		if (!metric) return {green: {value: null, reason: `metric ${metricId} is not defined for this target`}};
		const readContext = {
			variables: {...context.variables, window: window ? rangeDuration(window.ms) : DEFAULT_TEMPLATE_WINDOW},
			...(context.optionLike ? {optionLike: context.optionLike} : {}),
			env: context.env,
			signal,
			...(window ? {window} : {}),
			...(load ? {load} : {}),
		};
		// Green and blue are read together: the same window on both sides.
		const [green, blue] = await Promise.all([
			reader.read(metric.green, readContext),
			metric.blue ? reader.read(metric.blue, readContext) : undefined,
		]);
		return {green, blue};
	};

	const tick = async (extended: boolean) => {
		const now = Date.now();
		// A metric watched by several gates over the same window is read once per tick.
		const readings = new Map<string, Promise<Readings>>();
		const windows = tallies.map(({gate}) => readWindow(gate, plan, started, now));
		const keyOf = (index: number) => `${tallies[index]?.gate.metric} ${JSON.stringify(windows[index] ?? null)}`;
		tallies.forEach(({gate}, index) => {
			if (!readings.has(keyOf(index))) readings.set(keyOf(index), readMetric(gate.metric, windows[index]));
		});
		const parts: string[] = [];
		// The tick's samples go to the journal in one write and to the screen in one frame.
		const samples: Array<Omit<GateSampled, 'ts'>> = [];
		for (const [index, tally] of tallies.entries()) {
			const {gate, unit} = tally;
			const {green, blue} = await (readings.get(keyOf(index)) as Promise<Readings>);
			if (signal.aborted) return;
			const windowMs = windows[index]?.ms ?? green.evidence?.windowMs;
			const base = {
				phase: context.phase,
				step: step.id,
				gate: index,
				metric: gate.metric,
				weight: plan.weight,
				...(windowMs === undefined ? {} : {windowMs: Math.round(windowMs)}),
				...(extended ? {extended: true as const} : {}),
				...(index === share ? {share: true as const} : {}),
			};
			if (blue) {
				samples.push({
					...base,
					type: 'gate-sampled',
					colour: 'blue',
					value: blue.value,
					verdict: 'pass',
					reason: blue.reason,
					...(blue.evidence ? {count: blue.evidence.count} : {}),
				} satisfies Omit<GateSampled, 'ts'>);
			}
			const judgement = judgeSample(gate, green, blue, unit);
			const {verdict, threshold, reason, ...evidence} = judgement;
			samples.push({...base, type: 'gate-sampled', colour: 'green', value: green.value, verdict, threshold, reason, ...evidence});
			Object.assign(tally, nextTally(gate, tally, verdict));
			tally.unknownStreak = verdict === 'unknown' && !judgement.insufficient ? tally.unknownStreak + 1 : 0;
			tally.last = {...judgement, value: green.value};
			const blueText = blue ? `, blue ${withUnit(blue.value, unit)}${withCount(blue)}` : '';
			const unknownText = verdict === 'unknown' ? ` (${reason ?? 'no value'})` : '';
			const effect = judgement.comparison && judgement.comparison.test !== 'values' ? `; ${describeComparison(gate.metric, judgement.comparison)}` : '';
			parts.push(`${gate.metric} green ${withUnit(green.value, unit)}${withCount(green)}${blueText}${unknownText} ${verdictMark[verdict]} ${threshold}${effect}`);
		}
		context.emit(samples);
		context.log(`${plan.weight === undefined ? '' : `${plan.weight}% · `}${parts.join(' · ')}`);
	};

	const failedAt = (index: number): SamplingResult => {
		const tally = tallies[index] as Tally;
		return {status: 'failed', reason: notHolding(tally), gate: index, value: tally.last?.value ?? null};
	};
	const cancelled = {status: 'cancelled', reason: 'stopped while sampling'} as const;
	// Samples at 0, interval, 2×interval … up to the duration's end, and never fewer than a gate needs.
	const planned = Math.max(neededSamples, Math.floor(plan.durationMs / plan.intervalMs) + 1);
	let announced = false;
	for (let tickIndex = 0; ; tickIndex += 1) {
		await pause(started + tickIndex * plan.intervalMs - Date.now(), signal);
		if (signal.aborted) return cancelled;
		await tick(tickIndex >= planned);
		if (signal.aborted) return cancelled;
		const failing = tallies.findIndex((tally) => tally.failed);
		if (failing >= 0) return failedAt(failing);
		if (tickIndex + 1 < planned) continue;
		if (tallies.every((tally) => tally.holds)) break;
		const waiting = tallies.filter((tally) => !tally.holds);
		// Past the planned end only for evidence still to come, and never past the limit; a source that
		// failed to answer is read again a few times even when the step states no limit.
		const nextAt = (tickIndex + 1) * plan.intervalMs;
		const rereading = waiting.some((tally) => tally.last?.verdict === 'unknown' && !tally.last.insufficient);
		const limitMs = rereading ? Math.max(plan.maxDurationMs, plan.durationMs + UNKNOWN_RETRIES * plan.intervalMs) : plan.maxDurationMs;
		if (!waiting.every(waitingForEvidence) || nextAt > limitMs + 1) break;
		if (!announced) {
			announced = true;
			const limit = formatSpan(limitMs - plan.durationMs);
			context.log(`${plan.weight === undefined ? '' : `${plan.weight}% · `}waiting for evidence (up to ${limit} longer): ${waiting.map(notHolding).join('; ')}`);
		}
	}

	const blocking = tallies.filter((tally) => !tally.holds);
	const failing = blocking.find((tally) => !shortOfEvidence(tally));
	if (failing) return failedAt(tallies.indexOf(failing));
	if (blocking.length > 0) return {status: 'insufficient', reason: `too little evidence: ${blocking.map(notHolding).join('; ')}`};
	return {
		status: 'passed',
		evidence: tallies
			.map((tally) => {
				const count = tally.last?.count === undefined ? '' : ` over ${wholeCount(tally.last.count)} observations`;
				return `${tally.gate.metric} ${withUnit(tally.last?.value ?? null, tally.unit)}${count}`;
			})
			.join(', '),
	};
};
