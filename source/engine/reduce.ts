import {ROLLBACK_PHASE_ID} from '../runbook/schema.js';
import type {EngineEvent, StepOutcome, StepStatus} from './events.js';
import {nextTally} from './gate.js';
import {shareGate, shareGateIndex} from './share-gate.js';
import {
	LOG_TAIL_LIMIT,
	SERIES_LIMIT,
	type GateState,
	type PhaseState,
	type RunState,
	type SeriesPoint,
	type StepState,
} from './state.js';

const outcomeStatus: Record<StepOutcome, StepStatus> = {
	passed: 'passed',
	failed: 'failed',
	skipped: 'skipped',
	unknown: 'unknown',
};

const bounded = <T>(list: T[], item: T, limit: number): T[] =>
	list.length >= limit ? [...list.slice(list.length - limit + 1), item] : [...list, item];

const withPhase = (state: RunState, phaseId: string, update: (phase: PhaseState) => PhaseState): RunState => {
	if (phaseId === ROLLBACK_PHASE_ID) {
		return state.rollback ? {...state, rollback: {...state.rollback, ...update(state.rollback)}} : state;
	}
	return {...state, phases: state.phases.map((phase) => (phase.id === phaseId ? update(phase) : phase))};
};

const withStep = (
	state: RunState,
	phaseId: string,
	stepId: string,
	update: (step: StepState) => StepState,
): RunState =>
	withPhase(state, phaseId, (phase) => ({
		...phase,
		steps: phase.steps.map((step) => (step.id === stepId ? update(step) : step)),
	}));

const resetGate = (gate: GateState): GateState => ({
	...gate,
	green: [],
	blue: [],
	lastVerdict: 'pending',
	lastValue: null,
	lastBlue: null,
	threshold: gate.threshold,
	reason: undefined,
	streak: 0,
	holds: false,
	failures: 0,
	insufficient: false,
	lastCount: undefined,
	lastBlueCount: undefined,
	needed: undefined,
	windowMs: undefined,
	comparison: undefined,
	extended: undefined,
});

/** Folds one event into the state. Pure: no I/O, no clock, no randomness. */
/** Refusals kept in the state for the screens; the journal keeps them all. */
const REFUSALS_KEPT = 20;

export const reduce = (state: RunState, event: EngineEvent): RunState => {
	const next = {...state, seq: state.seq + 1};
	switch (event.type) {
		case 'run-started': {
			return {
				...next,
				title: event.title,
				runbookFile: event.runbookFile,
				target: event.target,
				session: event.session,
				operator: event.operator,
				started: true,
				startedAt: event.ts,
				variables: {...event.variables},
				secretVariables: [...event.secretVariables],
				operators: next.operators.includes(event.operator) ? next.operators : [...next.operators, event.operator],
				phases: next.phases.map((phase, index) => (index === 0 ? {...phase, startedAt: event.ts} : phase)),
			};
		}

		case 'run-resumed': {
			// A stopped run goes on where it stopped.
			const resumed = {...next, outcome: undefined, outcomeReason: undefined, finishedAt: undefined};
			return resumed.operators.includes(event.operator) ? resumed : {...resumed, operators: [...resumed.operators, event.operator]};
		}

		case 'operator-joined': {
			const known = next.operators.includes(event.operator) ? next : {...next, operators: [...next.operators, event.operator]};
			return event.verified === 'name' && !known.unverified.includes(event.operator) ? {...known, unverified: [...known.unverified, event.operator]} : known;
		}

		case 'pair-refused': {
			return {...next, refusals: [...next.refusals, {ts: event.ts, operator: event.operator, reason: event.reason}].slice(-REFUSALS_KEPT)};
		}

		case 'step-started': {
			return withStep(next, event.phase, event.step, (step) => ({
				...step,
				status: 'running',
				attempt: event.attempt,
				startedAt: event.ts,
				finishedAt: undefined,
				durationMs: undefined,
				exitCode: undefined,
				reason: undefined,
				override: undefined,
				log: [],
				logDropped: 0,
				gates: step.gates.map(resetGate),
				weight: undefined,
				weightSince: undefined,
			}));
		}

		case 'step-output': {
			return withStep(next, event.phase, event.step, (step) => {
				const count = event.count ?? event.lines.length;
				const total = step.log.length + step.logDropped + count;
				// Lines of the batch that were not carried leave a gap: the tail starts again after it.
				const joined = count > event.lines.length ? event.lines : [...step.log, ...event.lines];
				const log = joined.length > LOG_TAIL_LIMIT ? joined.slice(-LOG_TAIL_LIMIT) : joined;
				return {...step, log, logDropped: total - log.length};
			});
		}

		case 'step-finished': {
			const updated = withStep(next, event.phase, event.step, (step) => ({
				...step,
				status: outcomeStatus[event.status],
				finishedAt: event.ts,
				durationMs: event.durationMs,
				exitCode: event.exitCode,
				reason: event.reason,
				captured: event.captured ?? {},
			}));
			return event.captured ? {...updated, variables: {...updated.variables, ...event.captured}} : updated;
		}

		case 'step-ticked': {
			return withStep(next, event.phase, event.step, (step) => {
				if (step.kind === 'link' && event.item !== undefined) {
					const items = step.items.map((item, index) =>
						index === event.item ? {...item, ticked: true, by: event.operator} : item,
					);
					const done = items.every((item) => item.ticked);
					return {
						...step,
						items,
						status: done ? 'passed' : 'running',
						startedAt: step.startedAt ?? event.ts,
						finishedAt: done ? event.ts : undefined,
						tickedBy: done ? event.operator : step.tickedBy,
					};
				}
				return {...step, status: 'passed', finishedAt: event.ts, tickedBy: event.operator};
			});
		}

		case 'gate-sampled': {
			return withStep(next, event.phase, event.step, (step) => ({
				...step,
				gates: step.gates.map((gate, index) => {
					if (index !== event.gate) return gate;
					const point: SeriesPoint = {ts: event.ts, value: event.value};
					if (event.colour === 'blue') {
						return {...gate, blue: bounded(gate.blue, point, SERIES_LIMIT), lastBlue: event.value};
					}
					const {streak, holds, failures} = nextTally(gate.gate, {streak: gate.streak, holds: gate.holds, failures: gate.failures ?? 0, failed: false}, event.verdict);
					return {
						...gate,
						green: bounded(gate.green, point, SERIES_LIMIT),
						lastValue: event.value,
						lastVerdict: event.verdict,
						threshold: event.threshold ?? gate.threshold,
						reason: event.reason,
						streak,
						holds,
						failures,
						insufficient: event.insufficient === true,
						lastCount: event.count,
						lastBlueCount: event.blueCount,
						needed: event.needed,
						windowMs: event.windowMs,
						comparison: event.comparison,
						extended: event.extended === true,
					};
				}),
			}));
		}

		case 'traffic-shifted': {
			return withStep(next, event.phase, event.step, (step) => ({
				...step,
				weight: event.weight,
				weightSince: event.ts,
				// A new weight is judged afresh: earlier passes and failures do not carry over; the share gate's bounds follow the weight.
				gates: step.gates.map((gate, index) => ({
					...gate,
					...(index === shareGateIndex(step.step) && step.step.kind === 'traffic' && step.step.share ? {gate: shareGate(step.step.share, event.weight)} : {}),
					streak: 0,
					holds: false,
					failures: 0,
				})),
			}));
		}

		case 'phase-confirmed': {
			const confirmed = withPhase(next, event.phase, (phase) => {
				const confirmations = [...phase.confirmations, event.operator];
				const done = phase.confirm === 'pair' ? new Set(confirmations).size >= 2 : true;
				return {...phase, confirmations, confirmed: done, confirmedAt: done ? event.ts : undefined};
			});
			// Confirming a phase is the go for the next one.
			const index = confirmed.phases.findIndex((phase) => phase.id === event.phase);
			const phase = confirmed.phases[index];
			const following = confirmed.phases[index + 1];
			if (phase?.confirmed && following && following.startedAt === undefined) {
				return withPhase(confirmed, following.id, (p) => ({...p, startedAt: event.ts}));
			}
			return confirmed;
		}

		case 'override-given': {
			return {
				...withStep(next, event.phase, event.step, (step) => ({
					...step,
					status: 'overridden',
					override: {reason: event.reason, operator: event.operator},
				})),
				breakGlass: true,
			};
		}

		case 'rollback-started': {
			if (!next.rollback) return next;
			return {
				...next,
				rollback: {
					...next.rollback,
					active: true,
					reason: event.reason,
					startedBy: event.operator,
					startedAt: event.ts,
				},
			};
		}

		case 'note-added': {
			return {...next, notes: [...next.notes, {ts: event.ts, text: event.text, operator: event.operator}]};
		}

		case 'outcome-decided': {
			return withStep(next, event.phase, event.step, (step) => {
				if (event.decision === 'rerun') return {...step, status: 'pending', reason: undefined};
				return {
					...step,
					status: event.decision === 'done' ? 'passed' : 'failed',
					reason: `outcome unknown; marked ${event.decision === 'done' ? 'done' : 'failed'} by ${event.operator}`,
				};
			});
		}

		case 'run-finished': {
			return {...next, outcome: event.outcome, outcomeReason: event.reason, finishedAt: event.ts};
		}

		default: {
			// A type this version does not know (a newer journal, a damaged line): the run stays as it was.
			return state;
		}
	}
};

export const replay = (state: RunState, events: Iterable<EngineEvent>): RunState => {
	let current = state;
	for (const event of events) current = reduce(current, event);
	return current;
};
