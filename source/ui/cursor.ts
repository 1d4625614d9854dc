import {currentPhase, isStuck, stepAwaitingOperator} from '../engine/select.js';
import type {PhaseState, RunState, StepState} from '../engine/state.js';
import {isAutomated} from '../runbook/schema.js';

// The cursor of the checklist: which phase or step the operator looks at. It walks every phase and
// every step in the order of the runbook, the rollback procedure last; it never changes what Enter
// and Space act on (the current phase), only what → opens.

/** A phase (no step) or a step of it. */
export type ItemRef = {phase: string; step?: string};

/** The phases the cursor can visit: the release's, then the rollback procedure when there is one. */
export const cursorPhases = (state: RunState): PhaseState[] => [...state.phases, ...(state.rollback ? [state.rollback] : [])];

export const cursorItems = (state: RunState): ItemRef[] =>
	cursorPhases(state).flatMap((phase) => [{phase: phase.id}, ...phase.steps.map((step) => ({phase: phase.id, step: step.id}))]);

export const sameItem = (a: ItemRef | undefined, b: ItemRef | undefined): boolean =>
	Boolean(a && b && a.phase === b.phase && a.step === b.step);

export const findPhase = (state: RunState, phaseId: string): PhaseState | undefined =>
	cursorPhases(state).find((phase) => phase.id === phaseId);

/** The step the screen explains: the running one, else one that failed or whose outcome is unknown. */
export const focusStep = (state: RunState): {phase: PhaseState; step: StepState} | undefined => {
	const phase = currentPhase(state);
	if (!phase) return undefined;
	const pick = (test: (step: StepState) => boolean) => phase.steps.find(test);
	const step =
		pick((step) => step.status === 'running' && isAutomated(step.step)) ??
		pick((step) => isStuck(step.status)) ??
		pick((step) => step.status === 'running');
	return step ? {phase, step} : undefined;
};

/**
 * Where the cursor starts: the step the screen explains, else the one waiting for the operator,
 * else the current phase's first unfinished (or last) step; after the last phase, its last step.
 */
export const defaultItem = (state: RunState): ItemRef => {
	const focus = focusStep(state) ?? stepAwaitingOperator(state);
	if (focus) return {phase: focus.phase.id, step: focus.step.id};
	const phase = currentPhase(state) ?? state.phases.at(-1);
	if (!phase) return {phase: state.rollback?.id ?? ''};
	const step = phase.steps.find((candidate) => candidate.status === 'pending' || candidate.status === 'running') ?? phase.steps.at(-1);
	return step ? {phase: phase.id, step: step.id} : {phase: phase.id};
};

/** The item `delta` places away (negative: up), stopping at the first and the last. */
export const moveCursor = (state: RunState, from: ItemRef, delta: number): ItemRef => {
	const items = cursorItems(state);
	const index = Math.max(0, items.findIndex((item) => sameItem(item, from)));
	return items[Math.max(0, Math.min(items.length - 1, index + delta))] ?? from;
};

/** The step under the cursor, with its phase; undefined on a phase line. */
export const stepAt = (state: RunState, at: ItemRef): {phase: PhaseState; step: StepState; index: number} | undefined => {
	const phase = findPhase(state, at.phase);
	const index = phase?.steps.findIndex((step) => step.id === at.step) ?? -1;
	const step = phase?.steps[index];
	return phase && step ? {phase, step, index} : undefined;
};
