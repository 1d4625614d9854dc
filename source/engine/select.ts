import {changesProduction, isAutomated} from '../runbook/schema.js';
import type {StepStatus} from './events.js';
import type {GateState, PhaseState, RunState, StepState} from './state.js';

const settled = (status: StepStatus): boolean =>
	status === 'passed' || status === 'skipped' || status === 'overridden';

/** Failed, or its outcome unknown: a step that needs the operator's decision before anything goes on. */
export const isStuck = (status: StepStatus): boolean => status === 'failed' || status === 'unknown';

/** A gate whose latest sample did not pass: what the screen shows first. */
export const isFailingGate = (gate: GateState): boolean => gate.lastVerdict === 'fail' || gate.lastVerdict === 'unknown';

/** The phase the operator works on: the first unconfirmed one, or the rollback once it began. */
export const currentPhase = (state: RunState): PhaseState | undefined => {
	if (state.rollback?.active) return state.rollback;
	return state.phases.find((phase) => !phase.confirmed);
};

export type StepRef = {phase: PhaseState; step: StepState; index: number};

/**
 * The automated step the driver should start now, if any. Automated steps run in order; a step
 * that failed, is running or has an unknown outcome holds back every later automated step.
 * Manual steps never hold back automated ones.
 */
export const nextAutomatedStep = (state: RunState): StepRef | undefined => {
	if (!state.started || state.outcome) return undefined;
	const phase = currentPhase(state);
	if (!phase) return undefined;
	for (const [index, step] of phase.steps.entries()) {
		if (!isAutomated(step.step)) continue;
		if (step.status === 'pending') return {phase, step, index};
		if (!settled(step.status)) return undefined;
	}
	return undefined;
};

/**
 * Why the current phase cannot be confirmed, in words; undefined when it can. A failed or unknown
 * step outranks an earlier unticked manual one: what is wrong matters more than what is left to do.
 */
export const confirmBlocker = (state: RunState, operator?: string): string | undefined => {
	const phase = currentPhase(state);
	if (!phase) return undefined;
	const stuck = stuckStep(state)?.step;
	for (const step of stuck ? [stuck] : phase.steps) {
		if (settled(step.status)) continue;
		// A gate that failed is the reason, before one that had no verdict (a share far off its weight
		// leaves the latency gate without blue's requests: the share is what stopped the step).
		const failingGate =
			step.gates.find((gate) => !gate.holds && gate.lastVerdict === 'fail') ?? step.gates.find((gate) => !gate.holds && gate.lastVerdict !== 'pending');
		// What is wrong comes first: in a narrow terminal the title is what gets cut off.
		switch (step.status) {
			case 'running':
				if (step.kind === 'link') return `linked checklist not ticked off yet (Space): "${step.title}"`;
				return `still running: "${step.title}"`;
			case 'failed':
				if (failingGate) {
					const verdict = failingGate.lastVerdict === 'fail' ? 'failed' : failingGate.lastVerdict;
					return `gate ${failingGate.metric} ${verdict}: ${failingGate.reason ?? failingGate.lastVerdict} (threshold ${failingGate.threshold ?? '?'})`;
				}
				return `failed: "${step.title}"${step.reason ? `: ${step.reason}` : ''}`;
			case 'unknown':
				return `outcome unknown: "${step.title}"${step.reason ? `: ${step.reason}` : ''}`;
			default:
				if (!isAutomated(step.step)) return `not ticked yet (Space): "${step.title}"`;
				return `not run yet: "${step.title}"`;
		}
	}
	if (phase.confirm === 'pair' && phase.confirmations.length > 0) {
		const first = phase.confirmations[0];
		if (operator !== undefined && operator === first) {
			return `four eyes: confirmed by ${first}, needs a second operator (greenlight join)`;
		}
	}
	return undefined;
};

/** Rollback is offered once a step that changes production has started. */
export const canRollback = (state: RunState): boolean => {
	if (!state.rollback || state.rollback.active || state.outcome) return false;
	return state.phases.some((phase) =>
		phase.steps.some((step) => changesProduction(step.step) && step.status !== 'pending'),
	);
};

/** What a row shows: a pending step behind a failed one is blocked, not merely pending. */
export const displayStatus = (phase: PhaseState, index: number): StepStatus => {
	const step = phase.steps[index];
	if (!step) return 'pending';
	if (step.status !== 'pending') return step.status;
	const earlierStuck = phase.steps
		.slice(0, index)
		.some((earlier) => isAutomated(earlier.step) && isStuck(earlier.status));
	return earlierStuck && isAutomated(step.step) ? 'blocked' : 'pending';
};

/** Every phase confirmed: the release is done. */
export const allPhasesConfirmed = (state: RunState): boolean => state.phases.every((phase) => phase.confirmed);

/** The rollback ran to its end. */
export const rollbackDone = (state: RunState): boolean =>
	Boolean(state.rollback?.active && state.rollback.steps.every((step) => settled(step.status)));

/** The first step of the current phase that passes `test`. */
const firstInCurrentPhase = (state: RunState, test: (step: StepState) => boolean): StepRef | undefined => {
	const phase = currentPhase(state);
	if (!phase) return undefined;
	const index = phase.steps.findIndex(test);
	const step = phase.steps[index];
	return step ? {phase, step, index} : undefined;
};

/** The failed or unknown step of the current phase: what t, o, r and a decision act on. */
export const stuckStep = (state: RunState): StepRef | undefined => firstInCurrentPhase(state, (step) => isStuck(step.status));

/** The first manual step (or linked checklist) of the current phase still to be ticked: what Space acts on. */
export const manualStepAwaiting = (state: RunState): StepRef | undefined =>
	firstInCurrentPhase(state, (step) => !isAutomated(step.step) && !settled(step.status));

/**
 * Whether a pair may confirm this phase: only four-eyes phases, and only as the second confirmation
 * (the driver, who watched the checks run, confirms first).
 */
export const pairMayConfirm = (phase: PhaseState): 'yes' | 'driver-only' | 'driver-first' => {
	if (phase.confirm !== 'pair') return 'driver-only';
	return phase.confirmations.length === 0 ? 'driver-first' : 'yes';
};

/** The step that needs the operator: a failed or unknown one first, else a manual one to tick. */
export const stepAwaitingOperator = (state: RunState): StepRef | undefined => stuckStep(state) ?? manualStepAwaiting(state);

export const findStep = (state: RunState, phaseId: string, stepId: string): StepState | undefined => {
	const phase = phaseId === state.rollback?.id ? state.rollback : state.phases.find((p) => p.id === phaseId);
	return phase?.steps.find((step) => step.id === stepId);
};

