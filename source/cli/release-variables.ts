import type {EngineEvent} from '../engine/events.js';
import {checkPatterns, checkSecretLengths, resolveVariables, type ResolvedVariables} from '../runbook/resolve.js';
import type {Runbook} from '../runbook/schema.js';
import {keepStartedVariables} from '../run/resume.js';
import {promptValue} from './terminal-prompt.js';
import {UsageError} from './usage.js';

/**
 * Every variable's value before the run starts: defaults, env, --var and the target; on a resume
 * the values the session started with; what is still missing asked for at the terminal (a secret
 * without echo); then each checked against its pattern. A problem is a usage error naming the fix.
 */
export const releaseVariables = async (options: {
	runbook: Runbook;
	target: string;
	cli: Record<string, string>;
	/** What a sandbox learned at start (its ports). */
	runtime?: Record<string, string>;
	priorEvents: readonly EngineEvent[];
	interactive: boolean;
}): Promise<ResolvedVariables> => {
	const {runbook, target, cli, runtime} = options;
	const resolved = resolveVariables(runbook, target, {cli, env: process.env, runtime});
	if (resolved.problems.length > 0) throw new UsageError(resolved.problems.join('\n'));
	const resumedWith = keepStartedVariables(options.priorEvents, resolved, cli, runtime ?? {});
	if (resumedWith.conflicts.length > 0) throw new UsageError(resumedWith.conflicts.join('\n'));
	for (const missing of resolved.missing) {
		if (!options.interactive || !missing.prompt) {
			throw new UsageError(`variable ${missing.name} has no value: pass --var ${missing.name}=…`);
		}
		resolved.values[missing.name] = await promptValue(`${missing.prompt}: `, resolved.secretNames.includes(missing.name));
	}
	// Asked-for values are checked like the others: against their pattern and, for secrets, their length.
	const patternProblems = [...checkPatterns(runbook, resolved.values), ...checkSecretLengths(runbook, resolved.values)];
	if (patternProblems.length > 0) throw new UsageError(patternProblems.join('\n'));
	return resolved;
};
