import path from 'node:path';
import type {ResolvedMetric} from '../../runbook/resolve.js';
import {ROLLBACK_PHASE_ID, type MetricSource, type Runbook} from '../../runbook/schema.js';
import {MissingVariableError, substitute} from '../../runbook/template.js';

// What a preflight probes, read from the runbook without running any of it: the programs its
// commands start, the Fly apps they name, the files they read, the metric sources its gates sample
// and the tokens those send. Pure: the probes themselves are in the modules beside this one.

/** A value taken from an argv: resolved, or the variable it still lacks. */
export type Resolved = {value: string} | {missing: string};

/** Something the runbook needs, with the steps (phase/step) or metrics that need it. */
export type Needed<T> = T & {usedBy: string[]};

export type PreflightPlan = {
	/** argv[0] of every command, traffic step and command metric source, and the folder it runs in. */
	programs: Array<Needed<{program: Resolved; cwd: string}>>;
	/** The apps `fly … --app X` and `greenlight shift --app X --green-app Y` act on. */
	apps: Array<Needed<{app: string}>>;
	/** Files the commands read: `fly --config PATH`, `greenlight contract --openapi PATH`; absolute. */
	files: Array<Needed<{file: string; given: string}>>;
	/** Every metric source of the target, each colour on its own. */
	sources: Array<{metric: string; colour: 'green' | 'blue'; unit?: string; source: MetricSource}>;
	/** Environment variables the metric sources send as their token. */
	tokens: Array<Needed<{name: string}>>;
	/** The fly (or flyctl) the steps run, as they name it; absent when none does: then Fly's login and apps are not probed. */
	fly?: string;
	/** Variables a step still lacks where preflight looks (argv[0], --app, --config), with who needs them. */
	unresolved: Array<Needed<{variable: string}>>;
};

const FLY = new Set(['fly', 'flyctl']);

/** The flags whose value is an app or a file, per program (by its base name). */
const appFlags: Record<string, string[]> = {fly: ['--app', '-a'], flyctl: ['--app', '-a'], greenlight: ['--app', '--green-app']};
const fileFlags: Record<string, string[]> = {fly: ['--config', '-c'], flyctl: ['--config', '-c'], greenlight: ['--openapi']};

/** The values an argv gives to any of these flags: "--app X" and "--app=X". */
export const flagValues = (argv: readonly string[], flags: readonly string[]): string[] =>
	argv.flatMap((element, index) => {
		const inline = flags.find((flag) => flag.startsWith('--') && element.startsWith(`${flag}=`));
		if (inline) return [element.slice(inline.length + 1)];
		const next = argv[index + 1];
		return flags.includes(element) && next !== undefined ? [next] : [];
	});

const resolve = (text: string, values: Readonly<Record<string, string>>): Resolved => {
	try {
		return {value: substitute(text, values)};
	} catch (error) {
		if (error instanceof MissingVariableError) return {missing: error.variable};
		throw error;
	}
};

type Invocation = {argv: string[]; cwd: string; shell: boolean; usedBy: string};

/** Every argv the runbook may run, as written: steps of every phase and the rollback, and command metric sources. */
const invocations = (runbook: Runbook, metrics: Record<string, ResolvedMetric>, runbookDir: string): Invocation[] => {
	const phases = [...runbook.phases, ...(runbook.rollback ? [{id: ROLLBACK_PHASE_ID, steps: runbook.rollback.steps}] : [])];
	const fromSteps = phases.flatMap((phase) =>
		phase.steps.flatMap((step): Invocation[] => {
			const usedBy = `${phase.id}/${step.id}`;
			if (step.kind === 'command') {
				const cwd = step.cwd === undefined ? runbookDir : path.resolve(runbookDir, step.cwd);
				return [{argv: step.run, cwd, shell: step.shell === true, usedBy}];
			}
			// {{weight}} is the traffic step's own; the first weight stands in for it.
			if (step.kind === 'traffic') return [{argv: step.run.map((element) => element.replaceAll(/\{\{\s*weight\s*\}\}/g, String(step.weights[0] ?? 0))), cwd: runbookDir, shell: false, usedBy}];
			return [];
		}),
	);
	const fromMetrics = Object.entries(metrics).flatMap(([id, metric]) =>
		(['green', 'blue'] as const).flatMap((colour): Invocation[] => {
			const source = metric[colour];
			return source?.type === 'command' ? [{argv: source.run, cwd: runbookDir, shell: false, usedBy: `metric ${id} ${colour}`}] : [];
		}),
	);
	return [...fromSteps, ...fromMetrics];
};

/** Groups by key, keeping first-seen order and every user. */
const collect = <T>(entries: Array<{key: string; item: T; usedBy: string}>): Array<Needed<T>> => {
	const byKey = new Map<string, Needed<T>>();
	for (const {key, item, usedBy} of entries) {
		const seen = byKey.get(key);
		if (seen) {
			if (!seen.usedBy.includes(usedBy)) seen.usedBy.push(usedBy);
		} else byKey.set(key, {...item, usedBy: [usedBy]});
	}
	return [...byKey.values()];
};

/**
 * The plan of a preflight for one target: `values` are the variables as the run would start with
 * them (captures, filled only during the run, are missing and show up in `unresolved` where needed).
 */
export const planPreflight = (
	runbook: Runbook,
	metrics: Record<string, ResolvedMetric>,
	values: Readonly<Record<string, string>>,
	runbookDir: string,
): PreflightPlan => {
	const calls = invocations(runbook, metrics, runbookDir);
	const unresolved: Array<{key: string; item: {variable: string}; usedBy: string}> = [];
	const resolvedAll = (texts: string[], usedBy: string): string[] =>
		texts.flatMap((text) => {
			const resolved = resolve(text, values);
			if ('value' in resolved) return [resolved.value];
			unresolved.push({key: resolved.missing, item: {variable: resolved.missing}, usedBy});
			return [];
		});

	const programs = collect(
		calls
			.filter((call) => !call.shell && call.argv[0] !== undefined)
			.map((call) => {
				const program = resolve(call.argv[0] as string, values);
				if ('missing' in program) unresolved.push({key: program.missing, item: {variable: program.missing}, usedBy: call.usedBy});
				return {key: `${'value' in program ? program.value : `{{${program.missing}}}`}\0${call.cwd}`, item: {program, cwd: call.cwd}, usedBy: call.usedBy};
			}),
	);
	const named = calls.map((call) => ({call, program: path.basename(call.argv[0] ?? '')}));
	const apps = collect(
		named.flatMap(({call, program}) => resolvedAll(flagValues(call.argv, appFlags[program] ?? []), call.usedBy).map((app) => ({key: app, item: {app}, usedBy: call.usedBy}))),
	);
	const files = collect(
		named.flatMap(({call, program}) =>
			resolvedAll(flagValues(call.argv, fileFlags[program] ?? []), call.usedBy).map((given) => {
				const file = path.resolve(call.cwd, given);
				return {key: file, item: {file, given}, usedBy: call.usedBy};
			}),
		),
	);
	const sources = Object.entries(metrics).flatMap(([metric, resolved]) =>
		(['green', 'blue'] as const).flatMap((colour) => {
			const source = resolved[colour];
			return source ? [{metric, colour, ...(resolved.unit === undefined ? {} : {unit: resolved.unit}), source}] : [];
		}),
	);
	const tokens = collect(
		sources.flatMap(({metric, source}) => (source.type === 'prometheus' && source.tokenEnv ? [{key: source.tokenEnv, item: {name: source.tokenEnv}, usedBy: `metric ${metric}`}] : [])),
	);
	const flyCall = named.find(({call, program}) => FLY.has(program) && !call.shell)?.call;
	const fly = flyCall ? resolvedAll([flyCall.argv[0] as string], flyCall.usedBy)[0] : undefined;
	return {programs, apps, files, sources, tokens, ...(fly ? {fly} : {}), unresolved: collect(unresolved)};
};
