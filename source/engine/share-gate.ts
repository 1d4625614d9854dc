import type {Gate, Step, TrafficShare, TrafficStep, WatchStep} from '../runbook/schema.js';
import {formatValue} from './gate.js';
import type {StepState} from './state.js';

// A traffic step's share gate: the share of requests green really served over a weight's bake,
// judged like any gate against bounds that follow the weight. Pure: the sampler, the state and the
// screen all ask here which gate it is and what it holds at a weight.

/**
 * The share gate at a weight: min = weight − tolerance, max = weight + tolerance, over the whole
 * bake. A bound beyond 0 or 100 % is left out (it could not fail); without a weight (before the
 * first shift) it has no bounds.
 */
export const shareGate = (share: TrafficShare, weight?: number): Gate => {
	const low = weight === undefined ? undefined : weight - share.tolerance;
	const high = weight === undefined ? undefined : weight + share.tolerance;
	return {
		metric: share.metric,
		...(low !== undefined && low > 0 ? {min: low} : {}),
		...(high !== undefined && high < 100 ? {max: high} : {}),
		...(share.samples === undefined ? {} : {samples: share.samples}),
		...(share.failureLimit === undefined ? {} : {failureLimit: share.failureLimit}),
		...(share.minCount === undefined ? {} : {minCount: share.minCount}),
		window: 'bake',
	};
};

/** Where a step's share gate sits among its gates (after the runbook's own), if it has one. */
export const shareGateIndex = (step: Step): number | undefined =>
	step.kind === 'traffic' && step.share ? step.gates.length : undefined;

/** Every gate a watch or traffic step samples, in event order: its own, then the share gate at this weight. */
export const sampledGates = (step: WatchStep | TrafficStep, weight?: number): Gate[] =>
	step.kind === 'traffic' && step.share ? [...step.gates, shareGate(step.share, weight)] : step.gates;

/**
 * Why a weight failed on its share, for a person: the measured share beside the intended weight,
 * then the gate's own reason ("greenShare 62 % > 30 %").
 */
export const describeShareMiss = (share: TrafficShare, weight: number, value: number | null | undefined, reason: string): string => {
	const measured = value === null || value === undefined ? 'share on green unknown' : `measured ${formatValue(value)} % on green`;
	return `${measured}, weight ${weight} % ± ${formatValue(share.tolerance)}: ${reason}`;
};

/** What the share gate measured since the current weight was set; undefined before its first sample there. */
export const shareAtWeight = (step: StepState): {value: number | null; insufficient: boolean} | undefined => {
	const index = shareGateIndex(step.step);
	const gate = index === undefined ? undefined : step.gates[index];
	const last = gate?.green.at(-1);
	if (!gate || !last || step.weightSince === undefined || last.ts < step.weightSince) return undefined;
	return {value: last.value, insufficient: gate.insufficient === true};
};
