import type {ResolvedVariables} from '../../runbook/resolve.js';
import type {Runbook} from '../../runbook/schema.js';
import {failed, listed, passed, type PreflightCheck} from './preflight-check.js';
import type {PreflightPlan} from './preflight-plan.js';

/**
 * Every declared variable has a value before the run starts (from --var, the environment, the
 * target, the sandbox or a default), fits its pattern, and secrets come from where secrets may:
 * one line per variable that does not, or one line saying all do. Values are never printed.
 */
export const checkVariables = (
	runbook: Runbook,
	resolved: ResolvedVariables,
	plan: Pick<PreflightPlan, 'unresolved'>,
	env: Readonly<Record<string, string | undefined>>,
): PreflightCheck[] => {
	const problems = resolved.problems.map((problem) => failed('variables', problem));
	const missing = resolved.missing.map(({name, prompt}) => {
		const variable = runbook.variables[name];
		const fromEnv = variable?.env ? ` or set ${variable.env} in the environment` : '';
		if (variable?.secret) return failed(`variable ${name}`, `secret without a value: ${variable.env ? `set ${variable.env} in the environment` : 'greenlight run would ask for it'}`);
		if (prompt) return failed(`variable ${name}`, `no value; greenlight run would ask "${prompt}": pass --var ${name}=…${fromEnv} to check the run with it`);
		return failed(`variable ${name}`, `no value: pass --var ${name}=…${fromEnv}`);
	});
	if (problems.length > 0 || missing.length > 0) return [...problems, ...missing];
	const declared = Object.keys(runbook.variables).length;
	const secrets = resolved.secretNames.map((name) => {
		const source = runbook.variables[name]?.env;
		return source && env[source] ? `${name} from ${source}` : `${name} from the target`;
	});
	// Undeclared names preflight met in an argv are captures: a step fills them during the run.
	const captured = plan.unresolved.filter(({variable}) => !(variable in runbook.variables)).map(({variable, usedBy}) => `${variable} (for ${listed(usedBy, 1)})`);
	const parts = [`all ${declared} have a value`];
	if (secrets.length > 0) parts.push(`secrets: ${secrets.join(', ')}`);
	if (captured.length > 0) parts.push(`captured during the run: ${listed(captured)}`);
	return [passed('variables', parts.join('; '))];
};
