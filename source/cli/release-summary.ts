import path from 'node:path';
import type {RunOutcome} from '../engine/events.js';
import type {RunState} from '../engine/state.js';

// What greenlight says on stderr when a run ends: the outcome in one line, and how to go on.

export const outcomeLine = (state: RunState, outcome: RunOutcome, sessionDir: string): string => {
	const confirmed = state.phases.filter((phase) => phase.confirmed).length;
	return `${outcome}${state.outcomeReason ? ` (${state.outcomeReason})` : ''} — ${confirmed}/${state.phases.length} phases confirmed, rollback ${state.rollback?.active ? 'yes' : 'no'}, break-glass ${state.breakGlass ? 'yes' : 'no'}; session ${sessionDir}`;
};

/** The command that picks a stopped session up again; a rehearsal also finds its sandbox as it left it. */
export const resumeCommand = (
	options: {file: string; target?: string; rehearsal: boolean; speed: number},
	sessionDir: string,
	defaultSpeed: number,
): string => {
	const quote = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`);
	const words = ['greenlight', options.rehearsal ? 'rehearse' : 'run', options.file, '--session', path.relative(process.cwd(), sessionDir) || '.'];
	if (options.target && !(options.rehearsal && options.target === 'rehearsal')) words.push('--target', options.target);
	if (options.rehearsal && options.speed !== defaultSpeed) words.push('--speed', String(options.speed));
	return words.map(quote).join(' ');
};
