import type {EventInput, Verification} from './events.js';
import type {Intent} from './intents.js';
import {canRollback, confirmBlocker, currentPhase, manualStepAwaiting, pairMayConfirm, stuckStep} from './select.js';
import type {RunState} from './state.js';

// Whether an intent is allowed now, and what it does: one rule for the driver's run loop, the key
// handling of both screens and the autopilot. Pure: it reads the state and returns a decision; the
// run loop applies it (journal, processes), the keys use it to say at once why a key does nothing.

/** Who asks: the driver runs the release; the pair watches, adds notes and gives the second confirmation. */
export type Role = 'driver' | 'pair';

/** `verified`: how a pair's identity was established (its confirmations carry it into the record). */
export type Actor = {operator: string; role: Role; verified?: Verification};

/** What an allowed intent does; the run loop carries it out. */
export type Action =
	/** Record this event; the reducer does the rest. */
	| {kind: 'emit'; event: EventInput}
	/** Run a failed step again. */
	| {kind: 'run-step'; phase: string; step: string}
	/** Stop what runs, then start the rollback. */
	| {kind: 'roll-back'; operator: string; reason: string}
	/** End the run as stopped; the session can be resumed. */
	| {kind: 'stop'; reason: string};

/** A refusal says why; `notReady` marks a phase whose checks are not there yet (the footer names the blocking check). */
export type Decision = {ok: true; action: Action} | {ok: false; reason: string; notReady?: true};

const refuse = (reason: string): Decision => ({ok: false, reason});
const emit = (event: EventInput): Decision => ({ok: true, action: {kind: 'emit', event}});

/** What a pair may ask for; everything else stays with the driver. */
const pairIntents: ReadonlySet<Intent['type']> = new Set(['note', 'confirm']);

export const decide = (state: RunState, intent: Intent, by: Actor): Decision => {
	if (state.outcome) return refuse('the run has ended');
	if (by.role === 'pair' && !pairIntents.has(intent.type)) return refuse(`a pair cannot ${intent.type}; the driver does`);
	switch (intent.type) {
		case 'confirm':
			return decideConfirm(state, intent.phase, by);
		case 'tick': {
			const awaiting = manualStepAwaiting(state);
			if (!awaiting) return refuse('Nothing to tick: no manual step is waiting');
			const {phase, step} = awaiting;
			const item = step.kind === 'link' ? step.items.findIndex((entry) => !entry.ticked) : -1;
			return emit({type: 'step-ticked', phase: phase.id, step: step.id, operator: by.operator, item: item === -1 ? undefined : item});
		}
		case 'retry': {
			const awaiting = stuckStep(state);
			if (!awaiting) return refuse('t retries a failed step; none has failed');
			if (awaiting.step.status === 'unknown') {
				return emit({type: 'outcome-decided', phase: awaiting.phase.id, step: awaiting.step.id, decision: 'rerun', operator: by.operator});
			}
			return {ok: true, action: {kind: 'run-step', phase: awaiting.phase.id, step: awaiting.step.id}};
		}
		case 'rollback': {
			if (!state.rollback) return refuse('This runbook has no rollback steps');
			if (state.rollback.active) return refuse('The rollback is already running');
			if (!canRollback(state)) return refuse('Rollback is offered once a step that changes production has started');
			return {ok: true, action: {kind: 'roll-back', operator: by.operator, reason: intent.reason.trim() || 'operator decision'}};
		}
		case 'override': {
			const awaiting = stuckStep(state);
			if (!awaiting || awaiting.step.status !== 'failed') return refuse('o overrides a failing step; none is failing');
			if (!intent.reason.trim()) return refuse('a break-glass override needs a reason');
			return emit({type: 'override-given', phase: awaiting.phase.id, step: awaiting.step.id, reason: intent.reason.trim(), operator: by.operator});
		}
		case 'note':
			if (!intent.text.trim()) return refuse('empty note');
			return emit({type: 'note-added', text: intent.text.trim(), operator: by.operator});
		case 'decide': {
			const awaiting = stuckStep(state);
			if (!awaiting || awaiting.step.status !== 'unknown') return refuse('R, D and F decide a step whose outcome is unknown; there is none');
			return emit({type: 'outcome-decided', phase: awaiting.phase.id, step: awaiting.step.id, decision: intent.decision, operator: by.operator});
		}
		case 'quit':
			return {ok: true, action: {kind: 'stop', reason: `quit by ${by.operator}`}};
	}
};

const decideConfirm = (state: RunState, phaseOnScreen: string | undefined, by: Actor): Decision => {
	const phase = currentPhase(state);
	if (!phase || state.rollback?.active) return refuse('Nothing left to confirm');
	if (phaseOnScreen !== undefined && phaseOnScreen !== phase.id) {
		// A key pressed on a screen that was a moment behind: never confirm the phase after it.
		return refuse(`"${phaseOnScreen}" is no longer the phase to confirm; "${phase.title}" is`);
	}
	if (by.role === 'pair') {
		switch (pairMayConfirm(phase)) {
			case 'driver-only':
				return refuse(`"${phase.title}" is confirmed by the driver alone; a pair confirms four-eyes phases only`);
			case 'driver-first':
				return refuse(`the driver confirms "${phase.title}" first; then the pair gives the second confirmation`);
			case 'yes':
				break;
		}
	}
	const blocker = confirmBlocker(state, by.operator);
	if (blocker) return {ok: false, reason: blocker, notReady: true};
	if (phase.confirmations.includes(by.operator)) {
		return refuse(`${by.operator} confirmed "${phase.title}" already; four eyes need another operator`);
	}
	return emit({type: 'phase-confirmed', phase: phase.id, operator: by.operator, ...(by.verified ? {verified: by.verified} : {})});
};
