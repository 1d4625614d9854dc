import type {CommandOutcome} from './command-runner.js';

/** The last line of a text that says something. */
export const lastLine = (text: string): string =>
	text
		.split('\n')
		.map((line) => line.trim())
		.filter(Boolean)
		.at(-1) ?? '';

/**
 * Why a command did not succeed, in a few words for a reason line: "timed out", the spawn error,
 * or the last line it printed on stderr, else its exit code. Undefined when it succeeded.
 */
export const commandFailure = (outcome: CommandOutcome): string | undefined => {
	if (outcome.timedOut) return 'timed out';
	if (outcome.error) return outcome.error;
	if (outcome.exitCode === 0) return undefined;
	return lastLine(outcome.stderr) || `exit code ${outcome.exitCode ?? 'none'}`;
};
