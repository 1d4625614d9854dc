import path from 'node:path';
import type {Metric, MetricSource, Runbook} from './schema.js';
import {referencedVariables, substitute} from './template.js';

/**
 * A secret shorter than this is refused: it could not be told apart in output (redacting "abc"
 * would blank out half of every log, and not redacting it would show it).
 */
export const MIN_SECRET_LENGTH = 6;

export type VariableSources = {
	/** --var name=value, highest precedence. */
	cli: Readonly<Record<string, string>>;
	/** The process environment (for variables with "env"). */
	env: Readonly<Record<string, string | undefined>>;
	/** Values a rehearsal sandbox knows only at run time (ports). */
	runtime?: Readonly<Record<string, string>>;
};

export type ResolvedVariables = {
	values: Record<string, string>;
	/** Names whose values must never be shown. */
	secretNames: string[];
	/** Declared variables with no value yet; those with a prompt can be asked for. */
	missing: Array<{name: string; prompt?: string}>;
	/** Values that do not fit their pattern, or --var names the runbook does not declare. */
	problems: string[];
};

/**
 * Precedence, lowest first: default < env < target variables < runtime (sandbox) < --var; a secret
 * set in the environment comes before target and runtime values (and --var is refused for secrets).
 * Captured variables are not declared here; they appear when their step finishes.
 */
export const resolveVariables = (runbook: Runbook, target: string, sources: VariableSources): ResolvedVariables => {
	const targetValues = runbook.targets[target]?.variables ?? {};
	const values: Record<string, string> = {};
	const missing: ResolvedVariables['missing'] = [];
	const problems: string[] = [];
	const fromDefault: string[] = [];
	for (const [name, variable] of Object.entries(runbook.variables)) {
		const fromEnv = variable.env ? sources.env[variable.env] : undefined;
		// A secret given in the environment is the operator's explicit choice: it beats a target's or a sandbox's stand-in value.
		const secretFromEnv = variable.secret ? fromEnv || undefined : undefined;
		const value =
			sources.cli[name] ?? secretFromEnv ?? sources.runtime?.[name] ?? targetValues[name] ?? (fromEnv || undefined) ?? variable.default;
		if (value === undefined) {
			missing.push({name, prompt: variable.prompt});
			continue;
		}
		values[name] = value;
		if (value === variable.default) fromDefault.push(name);
	}
	problems.push(...fillDefaults(runbook, values, fromDefault));
	// --var may also stand in for a capture (a step marked done after a crash captured nothing).
	const captures = new Set(
		[...runbook.phases.flatMap((phase) => phase.steps), ...(runbook.rollback?.steps ?? [])].flatMap((step) =>
			step.kind === 'command' || step.kind === 'http' ? Object.keys(step.capture ?? {}) : [],
		),
	);
	for (const [name, value] of Object.entries(sources.cli)) {
		if (captures.has(name) && !(name in runbook.variables)) values[name] = value;
		else if (!(name in runbook.variables)) problems.push(`--var ${name}: the runbook declares no variable "${name}"`);
	}
	problems.push(...checkPatterns(runbook, values));
	const secretNames = Object.entries(runbook.variables)
		.filter(([, variable]) => variable.secret)
		.map(([name]) => name);
	for (const name of secretNames) {
		const variable = runbook.variables[name];
		if (sources.cli[name] !== undefined) {
			// A command line is visible to every user of the machine (ps, /proc/<pid>/cmdline).
			problems.push(
				`--var ${name}: ${name} is secret, and a command line is visible to every user of this machine; ${variable?.env ? `set ${variable.env} in the environment` : 'give it a prompt or an env in the runbook'} instead`,
			);
		}
	}
	problems.push(...checkSecretLengths(runbook, values));
	return {values, secretNames, missing, problems};
};

/**
 * Defaults that name other variables get their values (validation has made sure those are declared,
 * not secret and plain); a default naming a variable still without a value is a problem.
 */
const fillDefaults = (runbook: Runbook, values: Record<string, string>, fromDefault: readonly string[]): string[] =>
	fromDefault.flatMap((name) => {
		const template = values[name] as string;
		const references = referencedVariables(template);
		if (references.length === 0) return [];
		const unset = references.filter((reference) => values[reference] === undefined || runbook.variables[reference]?.secret);
		if (unset.length > 0) return [`variable ${name}: its default names {{${unset.join('}}, {{')}}}, which has no value to fill in`];
		values[name] = substitute(template, values);
		return [];
	});

export const checkPatterns = (runbook: Runbook, values: Readonly<Record<string, string>>): string[] =>
	Object.entries(runbook.variables).flatMap(([name, variable]) => {
		const value = values[name];
		if (value === undefined || !variable.pattern) return [];
		return new RegExp(variable.pattern).test(value)
			? []
			: [`variable ${name}: "${variable.secret ? '«redacted»' : value}" does not match ${variable.pattern}`];
	});

/** Secret values too short to be redacted reliably, as problems naming the variable (never the value). */
export const checkSecretLengths = (runbook: Runbook, values: Readonly<Record<string, string>>): string[] =>
	Object.entries(runbook.variables).flatMap(([name, variable]) => {
		const value = values[name]?.trim();
		if (!variable.secret || value === undefined || value.length >= MIN_SECRET_LENGTH) return [];
		return [`variable ${name} is secret but its value has ${value.length} characters; a secret needs at least ${MIN_SECRET_LENGTH} to be redacted reliably`];
	});

/**
 * Captured values checked against the pattern of the declared variable of the same name: a capture
 * never slips a value past the check a --var or a prompt would get. A secret's value is not quoted.
 */
export const checkCaptures = (
	declared: Runbook['variables'],
	captured: Readonly<Record<string, string>>,
	/** The step's capture specs: a capture may state its own pattern. */
	specs: Readonly<Record<string, {pattern?: string | undefined}>> = {},
): string[] =>
	Object.entries(captured).flatMap(([name, value]) => {
		const variable = declared[name];
		const shown = variable?.secret ? 'the value' : JSON.stringify(value);
		const own = specs[name]?.pattern;
		if (own !== undefined && !new RegExp(own).test(value)) return [`capture ${name}: ${shown} does not match the capture's pattern ${own}`];
		if (!variable?.pattern || new RegExp(variable.pattern).test(value)) return [];
		return [`capture ${name}: ${shown} does not match the pattern ${variable.pattern} of variable ${name}`];
	});

/**
 * How this run verifies its pair: the target's setting, else the runbook's, else "uid" for a run
 * (another Unix user) and "name" for a rehearsal. An allowed-signers path is taken from the runbook's folder.
 */
export const pairSettings = (
	runbook: Runbook,
	target: string,
	rehearsal: boolean,
	runbookDir: string,
): {verify: 'uid' | 'ssh-key' | 'name'; allowedSigners?: string} => {
	const chosen = runbook.targets[target]?.pair ?? runbook.pair ?? {verify: rehearsal ? ('name' as const) : ('uid' as const)};
	return {verify: chosen.verify, allowedSigners: chosen.allowedSigners === undefined ? undefined : path.resolve(runbookDir, chosen.allowedSigners)};
};

export type ResolvedMetric = {title: string; unit?: string; green: MetricSource; blue?: MetricSource};

/** The metric sources for a target: the target may say where numbers come from, never the thresholds. */
export const resolveMetrics = (runbook: Runbook, target: string): Record<string, ResolvedMetric> => {
	const overrides = runbook.targets[target]?.metrics ?? {};
	return Object.fromEntries(
		Object.entries(runbook.metrics).map(([id, metric]: [string, Metric]) => {
			const override = overrides[id];
			return [
				id,
				{
					title: metric.title,
					unit: metric.unit,
					green: override?.green ?? metric.green,
					blue: override?.blue ?? metric.blue,
				},
			];
		}),
	);
};

/** The environment for every command: the process's, then the target's on top. */
export const resolveEnv = (
	runbook: Runbook,
	target: string,
	base: Readonly<Record<string, string | undefined>>,
	extra: Readonly<Record<string, string>> = {},
): Record<string, string> => {
	const env: Record<string, string> = {};
	for (const [key, value] of Object.entries(base)) if (value !== undefined) env[key] = value;
	return {...env, ...(runbook.targets[target]?.env ?? {}), ...extra};
};
