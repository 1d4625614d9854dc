import type {Gate} from '../runbook/schema.js';
import type {Verdict} from './events.js';

export type SampleJudgement = {verdict: Verdict; threshold: string; reason?: string};

/** A metric value as a person reads it: integers as they are, others with two or one decimals. */
export const formatValue = (value: number): string =>
	Number.isInteger(value) ? String(value) : value.toFixed(Math.abs(value) < 10 ? 2 : 1);

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
 * Judges one sample of green (and blue, for ratio gates). No number is never a pass: a missing,
 * non-finite or unreadable value is unknown, and unknown blocks (fail closed).
 */
export const judgeSample = (
	gate: Gate,
	green: number | null,
	blue: number | null,
	unit = '',
	why?: string,
): SampleJudgement => {
	const threshold = describeThreshold(gate, unit);
	const suffix = unit ? ` ${unit}` : '';
	if (green === null || !Number.isFinite(green)) {
		return {verdict: 'unknown', threshold, reason: why ?? `no value for ${gate.metric}`};
	}
	if (gate.min !== undefined && green < gate.min) {
		return {verdict: 'fail', threshold, reason: `${gate.metric} ${formatValue(green)}${suffix} < ${formatValue(gate.min)}${suffix}`};
	}
	if (gate.max !== undefined && green > gate.max) {
		return {verdict: 'fail', threshold, reason: `${gate.metric} ${formatValue(green)}${suffix} > ${formatValue(gate.max)}${suffix}`};
	}
	if (gate.maxRatioToBlue !== undefined) {
		if (blue === null || !Number.isFinite(blue)) {
			return {verdict: 'unknown', threshold, reason: why ?? `no blue value for ${gate.metric} to compare with`};
		}
		const limit = blue * gate.maxRatioToBlue;
		// Both at zero (e.g. no errors on either colour) is equal, not a regression.
		if (green > limit && !(green === 0 && blue === 0)) {
			return {
				verdict: 'fail',
				threshold,
				reason: `${gate.metric} ${formatValue(green)}${suffix} > ${formatValue(gate.maxRatioToBlue)}× blue (${formatValue(blue)}${suffix})`,
			};
		}
	}
	return {verdict: 'pass', threshold};
};

/** A gate holds when its last `samples` verdicts all passed. */
export const gateHolds = (gate: Gate, streak: number): boolean => streak >= (gate.samples ?? 1);

/** Consecutive passes of a gate, and whether they are enough for it to hold. */
export type GateStreak = {streak: number; holds: boolean};

/** The one streak rule, for the reducer and the sampler alike: a pass extends the streak, anything else resets it. */
export const nextStreak = (gate: Gate, streak: number, verdict: Verdict): GateStreak => {
	const next = verdict === 'pass' ? streak + 1 : 0;
	return {streak: next, holds: gateHolds(gate, next)};
};
