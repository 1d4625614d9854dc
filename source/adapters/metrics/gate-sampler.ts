import type {GateSampled, Verdict} from '../../engine/events.js';
import {formatValue, judgeSample, nextStreak, type GateStreak, type SampleJudgement} from '../../engine/gate.js';
import {parseDuration} from '../../runbook/duration.js';
import type {Gate, TrafficStep, WatchStep} from '../../runbook/schema.js';
import type {StepContext} from '../step-context.js';
import type {MetricReader, MetricReading} from './reading.js';

/** Sampling never runs faster than this, however high the rehearsal speed. */
export const MIN_INTERVAL_MS = 200;
const DEFAULT_INTERVAL = '5s';

export type SamplingPlan = {durationMs: number; intervalMs: number; weight?: number};

export type SamplingResult =
	| {status: 'passed'; evidence: string}
	| {status: 'failed'; reason: string}
	| {status: 'cancelled'; reason: string};

/** Durations as the run experiences them: divided by the rehearsal speed, the interval kept sane. */
export const samplingPlan = (duration: string, interval: string | undefined, speed: number, weight?: number): SamplingPlan => {
	const factor = speed > 0 ? speed : 1;
	return {
		durationMs: parseDuration(duration) / factor,
		intervalMs: Math.max(MIN_INTERVAL_MS, parseDuration(interval ?? DEFAULT_INTERVAL) / factor),
		weight,
	};
};

type Tally = GateStreak & {
	gate: Gate;
	unit: string;
	/** Consecutive fails: `samples` of them end the watch early. */
	failStreak: number;
	last?: SampleJudgement & {value: number | null; blue: number | null};
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

const withUnit = (value: number | null, unit: string): string =>
	value === null ? 'unknown' : `${formatValue(value)}${unit ? ` ${unit}` : ''}`;

const verdictMark: Record<Verdict, string> = {pass: '✓', fail: '✗', unknown: '?'};

/** Why a gate does not hold, for a person: "p95 412 ms > 300 ms", "p95 unknown: no data for …". */
const notHolding = (tally: Tally): string => {
	const {last, gate} = tally;
	if (!last) return `${gate.metric} was never sampled`;
	if (last.verdict === 'fail') return last.reason ?? `${gate.metric} out of bounds`;
	if (last.verdict === 'unknown') return `${gate.metric} unknown: ${last.reason ?? 'no value'}`;
	return `${gate.metric} held for ${tally.streak} of ${gate.samples ?? 1} consecutive samples`;
};

/**
 * Samples every gate of a watch or traffic step each interval for the planned time: each sample an
 * event, a line in the log. Fails as soon as a gate failed `samples` times in a row; at the end
 * passes only when every gate holds. Unknown never passes.
 */
export const sampleGates = async (
	reader: MetricReader,
	context: StepContext<WatchStep | TrafficStep>,
	plan: SamplingPlan,
): Promise<SamplingResult> => {
	const {step, signal} = context;
	const tallies: Tally[] = step.gates.map((gate) => ({
		gate,
		unit: context.metrics[gate.metric]?.unit ?? '',
		streak: 0,
		holds: false,
		failStreak: 0,
	}));
	const neededSamples = Math.max(1, ...step.gates.map((gate) => gate.samples ?? 1));
	const readContext = {variables: context.variables, env: context.env, signal};
	const started = Date.now();

	const readMetric = async (metricId: string): Promise<Readings> => {
		const metric = context.metrics[metricId];
		if (!metric) return {green: {value: null, reason: `metric ${metricId} is not defined for this target`}};
		const [green, blue] = await Promise.all([
			reader.read(metric.green, readContext),
			metric.blue ? reader.read(metric.blue, readContext) : undefined,
		]);
		return {green, blue};
	};

	const tick = async () => {
		// A metric watched by several gates is read once per tick.
		const readings = new Map<string, Promise<Readings>>();
		for (const {gate} of tallies) {
			if (!readings.has(gate.metric)) readings.set(gate.metric, readMetric(gate.metric));
		}
		const parts: string[] = [];
		for (const [index, tally] of tallies.entries()) {
			const {gate, unit} = tally;
			const {green, blue} = await (readings.get(gate.metric) as Promise<Readings>);
			if (signal.aborted) return;
			const base = {phase: context.phase, step: step.id, gate: index, metric: gate.metric, weight: plan.weight};
			if (blue) {
				context.emit({...base, type: 'gate-sampled', colour: 'blue', value: blue.value, verdict: 'pass', reason: blue.reason} satisfies Omit<GateSampled, 'ts'>);
			}
			const why = green.value === null ? green.reason : blue && blue.value === null ? `blue: ${blue.reason ?? 'no value'}` : undefined;
			const judgement = judgeSample(gate, green.value, blue?.value ?? null, unit, why);
			context.emit({
				...base,
				type: 'gate-sampled',
				colour: 'green',
				value: green.value,
				verdict: judgement.verdict,
				threshold: judgement.threshold,
				reason: judgement.reason,
			});
			Object.assign(tally, nextStreak(gate, tally.streak, judgement.verdict));
			tally.failStreak = judgement.verdict === 'fail' ? tally.failStreak + 1 : 0;
			tally.last = {...judgement, value: green.value, blue: blue?.value ?? null};
			const blueText = blue ? `, blue ${withUnit(blue.value, unit)}` : '';
			const unknownText = judgement.verdict === 'unknown' ? ` (${judgement.reason ?? 'no value'})` : '';
			parts.push(`${gate.metric} green ${withUnit(green.value, unit)}${blueText}${unknownText} ${verdictMark[judgement.verdict]} ${judgement.threshold}`);
		}
		context.log(`${plan.weight === undefined ? '' : `${plan.weight}% · `}${parts.join(' · ')}`);
	};

	// Samples at 0, interval, 2×interval … up to the duration's end, and never fewer than a gate needs.
	const planned = Math.max(neededSamples, Math.floor(plan.durationMs / plan.intervalMs) + 1);
	for (let tickIndex = 0; tickIndex < planned; tickIndex += 1) {
		await pause(started + tickIndex * plan.intervalMs - Date.now(), signal);
		if (signal.aborted) return {status: 'cancelled', reason: 'stopped while sampling'};
		await tick();
		if (signal.aborted) return {status: 'cancelled', reason: 'stopped while sampling'};
		const failing = tallies.find((tally) => tally.failStreak >= (tally.gate.samples ?? 1));
		if (failing) return {status: 'failed', reason: notHolding(failing)};
	}

	const blocking = tallies.find((tally) => !tally.holds);
	if (blocking) return {status: 'failed', reason: notHolding(blocking)};
	return {
		status: 'passed',
		evidence: tallies.map((tally) => `${tally.gate.metric} ${withUnit(tally.last?.value ?? null, tally.unit)}`).join(', '),
	};
};
