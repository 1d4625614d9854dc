import {Box} from 'ink';
import type {RunOutcome} from '../engine/events.js';
import type {RunState} from '../engine/state.js';
import {LineView} from './LineView.js';
import {phaseLine, phasesSummaryLine, type Line} from './step-lines.js';
import type {Tone} from './theme.js';

const outcomeLook: Record<RunOutcome, {text: string; tone: Tone}> = {
	completed: {text: '✓ Release completed', tone: 'good'},
	stopped: {text: '■ Stopped — the session can be resumed', tone: 'warn'},
	failed: {text: '✗ Release failed', tone: 'bad'},
	'rolled-back': {text: '↺ Rolled back to blue', tone: 'warn'},
};

/** The outcome and what happened on the way, in one line a person can paste into a chat. */
export const outcomeLines = (state: RunState): Line[] => {
	const outcome = state.outcome ?? 'stopped';
	const look = outcomeLook[outcome];
	const confirmed = state.phases.filter((phase) => phase.confirmed).length;
	return [
		{key: 'outcome', text: `${look.text}${state.outcomeReason ? `: ${state.outcomeReason}` : ''}`, tone: look.tone},
		{
			key: 'summary',
			text: `${confirmed}/${state.phases.length} phases confirmed · rollback ${state.rollback?.active ? 'yes' : 'no'} · break-glass ${state.breakGlass ? 'yes' : 'no'}`,
			tone: 'strong',
		},
	];
};

/** The final frame: it stays on the terminal after greenlight exits. */
export const OutcomeScreen = ({state, header, rows}: {state: RunState; header: Line[]; rows: number}) => {
	const result = outcomeLines(state);
	const room = Math.max(0, rows - 1 - header.length - result.length);
	const listed = state.phases.map((phase) => phaseLine(phase, false, state.unverified));
	const phases =
		listed.length <= room
			? listed
			: [
					phasesSummaryLine('done', state.phases.filter((phase) => phase.confirmed)),
					phasesSummaryLine('later', state.phases.filter((phase) => !phase.confirmed)),
				]
					.filter((line): line is Line => line !== undefined)
					.slice(0, room);
	return (
		<Box flexDirection="column">
			{[...header, ...phases, ...result].map((line) => (
				<LineView key={line.key} line={line} />
			))}
		</Box>
	);
};
