import type {EngineEvent, EventInput} from '../engine/events.js';
import type {RunState} from '../engine/state.js';
import {REDACTED} from '../adapters/redactor.js';
import type {ResolvedVariables} from '../runbook/resolve.js';
import {isAutomated, type Step} from '../runbook/schema.js';

// Going on with a session an earlier process left: which steps run again, which need a decision,
// and which values carry over. Pure functions over the replayed state and the journal's events.

/** Steps whose re-run after a crash cannot do harm: observing, probing, exporting. */
export const safeToRerun = (step: Step): boolean =>
	step.idempotent === true || step.kind === 'watch' || step.kind === 'http' || step.kind === 'export';

const allSteps = (state: RunState) => [...state.phases, ...(state.rollback ? [state.rollback] : [])].flatMap((phase) => phase.steps.map((step) => ({phase, step})));

/**
 * What a resumed run records first about the steps that were running when the last process died:
 * safe ones run again, the others are "outcome unknown" and wait for the operator's decision.
 */
export const eventsOnResume = (state: RunState): EventInput[] =>
	allSteps(state)
		.filter(({step}) => step.status === 'running' && isAutomated(step.step))
		.map(({phase, step}): EventInput =>
			safeToRerun(step.step)
				? {type: 'outcome-decided', phase: phase.id, step: step.id, decision: 'rerun', operator: 'greenlight'}
				: {
						type: 'step-finished',
						phase: phase.id,
						step: step.id,
						status: 'unknown',
						durationMs: 0,
						reason: 'greenlight stopped while this step ran; it is not idempotent, so it is not re-run without a decision',
					},
		);

/** Captured values of an earlier process: real only where they were not secret (a secret is journaled redacted). */
export const capturedBefore = (state: RunState): Record<string, string> =>
	Object.assign(
		{},
		...allSteps(state).map(({step}) => Object.fromEntries(Object.entries(step.captured).filter(([, value]) => !value.includes(REDACTED)))),
	) as Record<string, string>;

/**
 * A resumed session goes on with the values it started with: a release does not change its version
 * half-way. Secrets (never journaled) and what a sandbox learns at run time (ports) are taken anew;
 * a --var that contradicts the journal is refused rather than silently mixed in.
 */
export const keepStartedVariables = (
	priorEvents: readonly EngineEvent[],
	resolved: ResolvedVariables,
	cli: Readonly<Record<string, string>>,
	runtime: Readonly<Record<string, string>>,
): {conflicts: string[]} => {
	const started = priorEvents.find((event) => event.type === 'run-started');
	if (started?.type !== 'run-started') return {conflicts: []};
	const conflicts: string[] = [];
	for (const [name, value] of Object.entries(started.variables)) {
		if (started.secretVariables.includes(name) || resolved.secretNames.includes(name) || name in runtime) continue;
		// A value the journal holds redacted (it contained a secret or a token) is resolved anew.
		if (value.includes(REDACTED)) continue;
		const given = cli[name];
		if (given !== undefined && given !== value) {
			conflicts.push(`--var ${name}=${given}: this session started with ${name}=${value}; resume with the same value, or start a new session with --session <new dir>`);
			continue;
		}
		resolved.values[name] = value;
		resolved.missing = resolved.missing.filter((missing) => missing.name !== name);
	}
	return {conflicts};
};
