import {decide} from '../engine/decide.js';
import type {RunOutcome} from '../engine/events.js';
import type {Intent} from '../engine/intents.js';
import {canRollback, stepAwaitingOperator} from '../engine/select.js';
import type {RunState} from '../engine/state.js';
import {isAutomated} from '../runbook/schema.js';

// What greenlight does by itself when nobody is at the keyboard (--yes, --on-fail, --on-unknown).
// Pure: given the state, the next thing the operator would have done; the run loop carries it out.

export type AutoPolicy = {
	onFail: 'stop' | 'rollback';
	onUnknown: 'stop' | 'rerun' | 'done';
};

export type AutoAction =
	/** Send this intent as the operator; `stopIfRefused`: a refusal ends the run as stopped, with its reason. */
	| {kind: 'send'; intent: Intent; stopIfRefused?: true}
	| {kind: 'finish'; outcome: RunOutcome; reason: string};

export const nextAutoAction = (state: RunState, policy: AutoPolicy, operator: string): AutoAction | undefined => {
	const awaiting = stepAwaitingOperator(state);
	if (awaiting) {
		const {phase, step} = awaiting;
		if (step.status === 'unknown') {
			if (policy.onUnknown === 'stop') {
				return {
					kind: 'finish',
					outcome: 'stopped',
					reason: `outcome of "${step.title}" (${phase.id}/${step.id}) is unknown; decide with --on-unknown rerun|done or interactively`,
				};
			}
			return {kind: 'send', intent: {type: 'decide', decision: policy.onUnknown === 'rerun' ? 'rerun' : 'done'}, stopIfRefused: true};
		}
		if (step.status === 'failed') {
			const why = `${phase.id}/${step.id} failed: ${step.reason ?? 'no reason given'}`;
			if (policy.onFail === 'rollback' && canRollback(state)) return {kind: 'send', intent: {type: 'rollback', reason: why}};
			return {kind: 'finish', outcome: 'failed', reason: why};
		}
		if (!isAutomated(step.step)) return {kind: 'send', intent: {type: 'tick'}};
	}
	// --yes confirms as this operator only: a four-eyes phase waits for a second one (greenlight join).
	const confirm: Intent = {type: 'confirm'};
	return decide(state, confirm, {operator, role: 'driver'}).ok ? {kind: 'send', intent: confirm} : undefined;
};
