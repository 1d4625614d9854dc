import type {Gate} from '../runbook/schema.js';
import type {Colour, Comparison, Verdict} from './events.js';
import type {Bucket} from './statistics/buckets.js';
import {mannWhitney, mannWhitneyBuckets} from './statistics/mann-whitney.js';
import {twoProportions} from './statistics/two-proportions.js';

// How one sample of a gate is judged, and how samples add up to a gate that holds or a step that
// fails. Pure: the sampler (adapters/metrics/gate-sampler.ts) and the reducer both use these rules.

/** Confidence a ratio gate needs before it calls green worse than blue, unless the gate states one. */
export const DEFAULT_CONFIDENCE = 0.95;

/** The observations behind a value, when the source can count them. */
export type Evidence = {
	/** Observations in the window (requests, verifications, …). */
	count: number;
	/** What was counted, for people: "requests". Default "observations". */
	noun?: string;
	/** The span the window covered. */
	windowMs?: number;
	/** The window's histogram, cumulative: for a rank test of latencies. */
	buckets?: Bucket[];
	/** The window's raw observations: for a rank test. */
	observations?: number[];
	/** For a share (errors of all requests): the hits; `count` is all. */
	hits?: number;
	/** The value is this quantile of the observations. */
	quantile?: number;
};

/** One colour's reading as a gate judges it: a value, or why there is none, and its evidence. */
export type Observed = {value: number | null; reason?: string; evidence?: Evidence};

export type SampleJudgement = {
	verdict: Verdict;
	threshold: string;
	reason?: string;
	/** Too few observations to judge: blocks like unknown, says why. */
	insufficient?: true;
	/** The observations the green (and blue) value stands on, when counted. */
	count?: number;
	blueCount?: number;
	/** Observations needed per window. */
	needed?: number;
	/** Green against blue, for ratio gates. */
	comparison?: Comparison;
};

/** A metric value as a person reads it: integers as they are, others with two or one decimals. */
export const formatValue = (value: number): string =>
	Number.isInteger(value) ? String(value) : value.toFixed(Math.abs(value) < 10 ? 2 : 1);

/** A span as a person reads it in a reason: "6 s", "1.5 s", "2 min". */
export const formatSpan = (ms: number): string => {
	if (ms >= 120_000) return `${formatValue(Math.round(ms / 6000) / 10)} min`;
	const seconds = ms / 1000;
	return `${seconds >= 10 ? Math.round(seconds) : String(Math.round(seconds * 10) / 10)} s`;
};

/** The bounds of a gate as a person reads them: "≤ 300 ms, ≤ 1.2× blue". */
export const describeThreshold = (gate: Gate, unit = ''): string => {
	const suffix = unit ? ` ${unit}` : '';
	const parts: string[] = [];
	if (gate.min !== undefined) parts.push(`≥ ${formatValue(gate.min)}${suffix}`);
	if (gate.max !== undefined) parts.push(`≤ ${formatValue(gate.max)}${suffix}`);
	if (gate.maxRatioToBlue !== undefined) parts.push(`≤ ${formatValue(gate.maxRatioToBlue)}× blue`);
	return parts.join(', ') || 'any value';
};

/**
 * Observations a window needs before its value is judged: the gate's `minCount`; without one, a
 * quantile q needs 1/(1−q) observations (below that a p95 is simply the slowest request) and any
 * counted value at least one.
 */
export const neededCount = (gate: Gate, evidence: Evidence | undefined): number | undefined => {
	if (gate.minCount !== undefined) return gate.minCount;
	if (!evidence) return undefined;
	if (evidence.quantile !== undefined && evidence.quantile < 1) return Math.max(1, Math.ceil(1 / (1 - evidence.quantile) - 1e-9));
	return 1;
};

/** A fraction as a percentage with at most one decimal: "8 %", "38.7 %". */
const percent = (fraction: number): string => `${String(Math.round(fraction * 1000) / 10)} %`;

/** "12 requests in 6 s, need 50". */
/**
 * A count as a person reads it: Prometheus' increase() extrapolates to the window's edges (39.655
 * requests), so counts are shown in whole observations, rounded down, never up to what is needed.
 */
export const wholeCount = (count: number): number => Math.floor(count);

const describeShortfall = (evidence: Evidence | undefined, needed: number, colour?: Colour): string => {
	const count = wholeCount(evidence?.count ?? 0);
	const window = evidence?.windowMs === undefined ? '' : ` in ${formatSpan(evidence.windowMs)}`;
	return `${colour ? `${colour}: ` : ''}${count} ${evidence?.noun ?? 'observations'}${window}, need ${needed}`;
};

/** "green p95 +8 % vs blue, not significant at 95 %". */
export const describeComparison = (metric: string, comparison: Comparison): string => {
	const change = comparison.ratio === null ? undefined : comparison.ratio - 1;
	const effect = change === undefined ? 'above 0' : `${change >= 0 ? '+' : '−'}${percent(Math.abs(change))}`;
	const level = percent(comparison.confidence);
	if (comparison.test === 'values') return `green ${metric} ${effect} vs blue`;
	return `green ${metric} ${effect} vs blue, ${comparison.significant ? 'significant' : 'not significant'} at ${level}`;
};

/**
 * Green against blue over the same window: a rank test when both sides have distributions, a
 * test of two shares when both count hits, else the bare ratio of the values.
 */
export const compareWithBlue = (green: Observed & {value: number}, blue: Observed & {value: number}, confidence: number): Comparison => {
	const ratio = blue.value === 0 ? (green.value === 0 ? 1 : null) : green.value / blue.value;
	const g = green.evidence;
	const b = blue.evidence;
	let pValue: number | undefined;
	let test: Comparison['test'] = 'values';
	if (g?.buckets && b?.buckets) {
		test = 'mann-whitney';
		pValue = mannWhitneyBuckets(g.buckets, b.buckets).pGreater;
	} else if (g?.observations && b?.observations) {
		test = 'mann-whitney';
		pValue = mannWhitney(g.observations, b.observations).pGreater;
	} else if (g?.hits !== undefined && b?.hits !== undefined) {
		test = 'two-proportions';
		pValue = twoProportions(g.hits, g.count, b.hits, b.count).pGreater;
	}
	if (pValue === undefined) return {test, ratio, confidence};
	return {test, ratio, confidence, pValue, significant: pValue < 1 - confidence};
};

/**
 * Why a window cannot be judged for want of observations: too few (insufficient data), or a
 * minCount on a source that cannot count. Undefined when the evidence suffices or is not asked for.
 */
const evidenceShortfall = (
	gate: Gate,
	observed: Observed,
	needed: number | undefined,
	colour?: Colour,
): Pick<SampleJudgement, 'reason' | 'insufficient' | 'needed'> | undefined => {
	if (needed === undefined) return undefined;
	const {evidence} = observed;
	if (!evidence) {
		// Unreadable is unknown for its own reason; a readable source that cannot count is the runbook's to fix.
		if (!hasValue(observed)) return undefined;
		return {reason: `${colour ? `${colour}: ` : ''}${gate.metric} has no observation count for minCount ${needed} (a scrape source counts; a prometheus source needs countQuery)`};
	}
	if (evidence.count >= needed) return undefined;
	return {insufficient: true, needed, reason: `insufficient data: ${describeShortfall(evidence, needed, colour)}`};
};

const hasValue = (observed: Observed | undefined): observed is Observed & {value: number} =>
	observed !== undefined && observed.value !== null && Number.isFinite(observed.value);

/**
 * Judges one sample of green (and blue, for ratio gates). No number is never a pass: a missing,
 * non-finite or unreadable value is unknown, and unknown blocks (fail closed). Too few
 * observations is unknown too, marked insufficient, with the count and what is needed.
 * A ratio gate fails only when green is beyond the ratio and, where the evidence allows a test,
 * worse than blue at the gate's confidence: one slow request is not a regression.
 */
export const judgeSample = (gate: Gate, green: Observed, blue: Observed | undefined, unit = ''): SampleJudgement => {
	const threshold = describeThreshold(gate, unit);
	const suffix = unit ? ` ${unit}` : '';
	const counts = {
		...(green.evidence ? {count: green.evidence.count} : {}),
		...(blue?.evidence && gate.maxRatioToBlue !== undefined ? {blueCount: blue.evidence.count} : {}),
	};
	const needed = neededCount(gate, green.evidence);
	const shortfall = evidenceShortfall(gate, green, needed);
	if (shortfall) return {verdict: 'unknown', threshold, ...counts, ...shortfall};
	if (!hasValue(green)) {
		return {verdict: 'unknown', threshold, ...counts, reason: green.reason ?? `no value for ${gate.metric}`};
	}
	const withNeeded = needed === undefined ? counts : {...counts, needed};
	if (gate.min !== undefined && green.value < gate.min) {
		return {verdict: 'fail', threshold, ...withNeeded, reason: `${gate.metric} ${formatValue(green.value)}${suffix} < ${formatValue(gate.min)}${suffix}`};
	}
	if (gate.max !== undefined && green.value > gate.max) {
		return {verdict: 'fail', threshold, ...withNeeded, reason: `${gate.metric} ${formatValue(green.value)}${suffix} > ${formatValue(gate.max)}${suffix}`};
	}
	if (gate.maxRatioToBlue === undefined) return {verdict: 'pass', threshold, ...withNeeded};

	const blueNeeded = neededCount(gate, blue?.evidence);
	const blueShortfall = blue ? evidenceShortfall(gate, blue, blueNeeded, 'blue') : undefined;
	if (blueShortfall) return {verdict: 'unknown', threshold, ...counts, ...blueShortfall};
	if (!hasValue(blue)) {
		return {verdict: 'unknown', threshold, ...withNeeded, reason: `blue: ${blue?.reason ?? `no blue value for ${gate.metric} to compare with`}`};
	}
	const comparison = compareWithBlue(green, blue, gate.confidence ?? DEFAULT_CONFIDENCE);
	const beyond = comparison.ratio === null || comparison.ratio > gate.maxRatioToBlue;
	const effect = describeComparison(gate.metric, comparison);
	if (beyond && comparison.significant !== false) {
		return {
			verdict: 'fail',
			threshold,
			...withNeeded,
			comparison,
			reason: `${gate.metric} ${formatValue(green.value)}${suffix} > ${formatValue(gate.maxRatioToBlue)}× blue (${formatValue(blue.value)}${suffix})${comparison.test === 'values' ? '' : `: ${effect}`}`,
		};
	}
	return {verdict: 'pass', threshold, ...withNeeded, comparison};
};

/** How a gate stands in the current bake or watch: consecutive passes, failed samples, and what follows. */
export type GateTally = {
	/** Consecutive passing samples up to now. */
	streak: number;
	/** True when the last `samples` samples passed. */
	holds: boolean;
	/** Failed samples in this bake or watch. */
	failures: number;
	/** More failed samples than `failureLimit` allows: the step fails. */
	failed: boolean;
};

export const freshTally = (): GateTally => ({streak: 0, holds: false, failures: 0, failed: false});

/**
 * The one tally rule, for the reducer and the sampler alike, with Argo Rollouts' meaning: a pass
 * extends the streak and the gate holds once `samples` passes are in a row; anything else resets
 * the streak; a fail counts, and more than `failureLimit` fails end the bake or watch as failed.
 * Unknown and insufficient data never count as fails, and never as passes.
 */
export const nextTally = (gate: Gate, tally: GateTally, verdict: Verdict): GateTally => {
	const streak = verdict === 'pass' ? tally.streak + 1 : 0;
	const failures = tally.failures + (verdict === 'fail' ? 1 : 0);
	return {streak, holds: streak >= (gate.samples ?? 1), failures, failed: failures > (gate.failureLimit ?? 0)};
};
