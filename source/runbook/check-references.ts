import type {JsonPath, LocateAt} from './json-position.js';
import type {Gate, MetricSource, Runbook, Step} from './schema.js';

/** Set by greenlight while a gate samples: the gate's window as a PromQL range, e.g. "90s". */
export const WINDOW_VARIABLE = 'window';
import {referencedVariables} from './template.js';

// Cross-references the schema cannot see: ids, {{variables}}, metric names. Runs after the schema passed.

export type ReferenceProblem = {
	path: JsonPath;
	at?: LocateAt;
	message: string;
	/** Where the thing this problem collides with lives (e.g. the first use of a duplicate id). */
	related?: JsonPath;
};

export type PlacedStep = {step: Step; path: JsonPath; order: number};

type Capture = {name: string; stepId: string; order: number};

/** Phase steps in order, then the rollback steps: the order in which captures become available. */
export const placedSteps = (runbook: Runbook): PlacedStep[] => {
	const placed: PlacedStep[] = [];
	runbook.phases.forEach((phase, phaseIndex) =>
		phase.steps.forEach((step, stepIndex) =>
			placed.push({step, path: ['phases', phaseIndex, 'steps', stepIndex], order: placed.length}),
		),
	);
	runbook.rollback?.steps.forEach((step, stepIndex) =>
		placed.push({step, path: ['rollback', 'steps', stepIndex], order: placed.length}),
	);
	return placed;
};

/** Every string inside a value, with its path. */
const stringsIn = (value: unknown, path: JsonPath): Array<{text: string; path: JsonPath}> => {
	if (typeof value === 'string') return [{text: value, path}];
	if (Array.isArray(value)) return value.flatMap((item, index) => stringsIn(item, [...path, index]));
	if (value !== null && typeof value === 'object') {
		return Object.entries(value).flatMap(([key, item]) => stringsIn(item, [...path, key]));
	}
	return [];
};

const editDistance = (a: string, b: string): number => {
	let previous = Array.from({length: b.length + 1}, (_, index) => index);
	for (let i = 1; i <= a.length; i++) {
		const current = [i];
		for (let j = 1; j <= b.length; j++) {
			const cost = a[i - 1] === b[j - 1] ? 0 : 1;
			current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
		}
		previous = current;
	}
	return previous[b.length] ?? 0;
};

/** The closest known name to a misspelt one, if it is close enough to be a typo. */
export const closestName = (name: string, known: Iterable<string>): string | undefined => {
	let best: string | undefined;
	let bestDistance = Number.POSITIVE_INFINITY;
	for (const candidate of known) {
		const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
		if (distance < bestDistance) {
			best = candidate;
			bestDistance = distance;
		}
	}
	return best !== undefined && bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
};

const didYouMean = (name: string, known: Iterable<string>): string => {
	const guess = closestName(name, known);
	return guess ? ` (did you mean "${guess}"?)` : '';
};

const listOrNone = (names: string[]): string => (names.length > 0 ? names.join(', ') : 'none');

const checkDuplicateIds = (runbook: Runbook, steps: PlacedStep[]): ReferenceProblem[] => {
	const problems: ReferenceProblem[] = [];
	const phaseIds = new Map<string, JsonPath>();
	runbook.phases.forEach((phase, index) => {
		const first = phaseIds.get(phase.id);
		if (first) {
			problems.push({path: ['phases', index, 'id'], message: `duplicate phase id "${phase.id}"`, related: first});
		} else phaseIds.set(phase.id, ['phases', index]);
	});
	const stepIds = new Map<string, JsonPath>();
	for (const {step, path} of steps) {
		const first = stepIds.get(step.id);
		if (first) {
			problems.push({
				path: [...path, 'id'],
				message: `duplicate step id "${step.id}" (step ids are unique across all phases and the rollback)`,
				related: first,
			});
		} else stepIds.set(step.id, path);
	}
	return problems;
};

const capturesOf = (steps: PlacedStep[]): Capture[] =>
	steps.flatMap(({step, order}) =>
		(step.kind === 'command' || step.kind === 'http') && step.capture
			? Object.keys(step.capture).map((name) => ({name, stepId: step.id, order}))
			: [],
	);

type Scope = {declared: ReadonlySet<string>; captures: readonly Capture[]};

/** Why {{name}} has no value at a step of the given order, or undefined when it has one. */
const whyUndefined = (name: string, order: number, scope: Scope): string | undefined => {
	if (scope.declared.has(name)) return undefined;
	const captures = scope.captures.filter((capture) => capture.name === name);
	if (captures.some((capture) => capture.order < order)) return undefined;
	const later = captures[0];
	if (later && later.order === order) {
		return `{{${name}}} is captured by this very step, so it has no value until the step has finished`;
	}
	if (later) return `{{${name}}} is captured by step "${later.stepId}", which runs later; use it only in steps after that one`;
	const known = [...scope.declared, ...scope.captures.map((capture) => capture.name)];
	return `undefined variable {{${name}}}: declare it in "variables" or capture it in an earlier step${didYouMean(name, known)}`;
};

const checkStepVariables = ({step, path, order}: PlacedStep, scope: Scope): ReferenceProblem[] => {
	const problems: ReferenceProblem[] = [];
	const {id: _id, kind: _kind, gates: _gates, capture: _capture, ...fields} = step as Step & {
		gates?: unknown;
		capture?: unknown;
	};
	for (const {text, path: stringPath} of stringsIn(fields, path)) {
		const inTrafficRun = step.kind === 'traffic' && stringPath[path.length] === 'run';
		for (const name of new Set(referencedVariables(text))) {
			if (inTrafficRun && name === 'weight') continue;
			const why = whyUndefined(name, order, scope);
			if (why) problems.push({path: stringPath, message: why});
		}
	}
	if (step.kind === 'command' && step.shell === true) {
		const script = step.run[0] ?? '';
		const names = referencedVariables(script);
		if (names.length > 0) {
			problems.push({
				path: [...path, 'run', 0],
				message: `with "shell": true, run[0] is shell script text and must not contain {{${names[0]}}}: pass the value as a later element of "run" and read it as $1, $2, … in the script`,
			});
		}
	}
	return problems;
};

const checkGates = (runbook: Runbook, placed: PlacedStep, scope: Scope): ReferenceProblem[] => {
	const {step, path, order} = placed;
	if (step.kind !== 'watch' && step.kind !== 'traffic') return [];
	const metricNames = Object.keys(runbook.metrics);
	// A traffic step's share is a gate too (its bounds follow the weight), checked where it is written.
	const gates: Array<{gate: Pick<Gate, 'metric' | 'maxRatioToBlue' | 'minCount'>; gatePath: JsonPath}> = [
		...step.gates.map((gate, index) => ({gate, gatePath: [...path, 'gates', index]})),
		...(step.kind === 'traffic' && step.share ? [{gate: step.share, gatePath: [...path, 'share']}] : []),
	];
	return gates.flatMap(({gate, gatePath}): ReferenceProblem[] => {
		const metric = runbook.metrics[gate.metric];
		if (!metric) {
			return [
				{
					path: [...gatePath, 'metric'],
					message: `unknown metric "${gate.metric}"${didYouMean(gate.metric, metricNames)}; "metrics" defines: ${listOrNone(metricNames)}`,
				},
			];
		}
		const problems: ReferenceProblem[] = [];
		const readsLoad = [metric.green, ...Object.values(runbook.targets).map((target) => target.metrics?.[gate.metric]?.green)].some((source) => source?.type === 'load');
		if (readsLoad && !(step.kind === 'watch' && step.load)) {
			problems.push({
				path: [...gatePath, 'metric'],
				message: `metric "${gate.metric}" reads the synthetic load of its step (type "load"), but this ${step.kind} step drives none: give the watch a "load"`,
			});
		}
		if (gate.maxRatioToBlue !== undefined && !metric.blue) {
			problems.push({
				path: [...gatePath, 'maxRatioToBlue'],
				message: `metric "${gate.metric}" has no "blue" source to compare with: add metrics.${gate.metric}.blue or drop maxRatioToBlue`,
			});
		}
		if (gate.minCount !== undefined) {
			const sides = gate.maxRatioToBlue === undefined ? (['green'] as const) : (['green', 'blue'] as const);
			const places: Array<{where: string; source: MetricSource | undefined}> = [
				...sides.map((side) => ({where: `metrics.${gate.metric}.${side}`, source: metric[side]})),
				...Object.entries(runbook.targets).flatMap(([name, target]) =>
					sides.flatMap((side) => {
						const source = target.metrics?.[gate.metric]?.[side];
						return source ? [{where: `targets.${name}.metrics.${gate.metric}.${side}`, source}] : [];
					}),
				),
			];
			for (const {where, source} of places) {
				const why = source ? uncounted(source) : undefined;
				if (why) problems.push({path: [...gatePath, 'minCount'], message: `minCount needs a count of observations, but ${where} ${why}`});
			}
		}
		// A metric read by this gate may use captures, but only ones taken before this step.
		const overrides = Object.values(runbook.targets).map((target) => target.metrics?.[gate.metric]);
		const names = new Set(stringsIn([metric, overrides], []).flatMap(({text}) => referencedVariables(text)));
		names.delete(WINDOW_VARIABLE);
		for (const name of names) {
			const why = whyUndefined(name, order, scope);
			const capturedSomewhere = scope.captures.some((capture) => capture.name === name);
			if (why && capturedSomewhere) {
				problems.push({path: [...gatePath, 'metric'], message: `metric "${gate.metric}" reads ${why}`});
			}
		}
		return problems;
	});
};

/** Why a source cannot say how many observations its value stands on; undefined when it can. */
const uncounted = (source: MetricSource): string | undefined => {
	switch (source.type) {
		case 'scrape':
			return source.aggregate === 'gauge' ? 'reads a gauge, which carries no count (read counters with "ratio" or "rate", or a histogram)' : undefined;
		case 'prometheus':
			return source.countQuery || source.bucketsQuery ? undefined : 'has no countQuery (PromQL for the observations in {{window}})';
		case 'http-json':
			return source.countPath ? undefined : 'has no countPath';
		case 'command':
			return 'is a command, which prints only its value';
		case 'load':
			return undefined;
	}
};

const checkMetricsAndTargets = (runbook: Runbook, scope: Scope): ReferenceProblem[] => {
	const problems: ReferenceProblem[] = [];
	const everywhere = Number.POSITIVE_INFINITY;
	const undefinedIn = (value: unknown, path: JsonPath, builtIn: string[] = []) => {
		for (const {text, path: stringPath} of stringsIn(value, path)) {
			for (const name of new Set(referencedVariables(text))) {
				if (builtIn.includes(name)) continue;
				const why = whyUndefined(name, everywhere, scope);
				if (why) problems.push({path: stringPath, message: why});
			}
		}
	};
	for (const [id, metric] of Object.entries(runbook.metrics)) undefinedIn(metric, ['metrics', id], [WINDOW_VARIABLE]);
	const metricNames = Object.keys(runbook.metrics);
	const variableNames = Object.keys(runbook.variables);
	for (const [name, target] of Object.entries(runbook.targets)) {
		const path = ['targets', name];
		for (const variable of Object.keys(target.variables ?? {})) {
			if (!scope.declared.has(variable)) {
				problems.push({
					path: [...path, 'variables', variable],
					at: 'key',
					message: `target "${name}" sets variable "${variable}", which "variables" does not declare${didYouMean(variable, variableNames)}`,
				});
			}
		}
		for (const metric of Object.keys(target.metrics ?? {})) {
			if (!runbook.metrics[metric]) {
				problems.push({
					path: [...path, 'metrics', metric],
					at: 'key',
					message: `target "${name}" overrides unknown metric "${metric}"${didYouMean(metric, metricNames)}; "metrics" defines: ${listOrNone(metricNames)}`,
				});
			}
		}
		undefinedIn(target.env, [...path, 'env']);
		undefinedIn(target.variables, [...path, 'variables']);
		undefinedIn(target.metrics, [...path, 'metrics'], [WINDOW_VARIABLE]);
	}
	return problems;
};

/**
 * A default may name other variables (`"https://api.fly.io/prometheus/{{flyOrg}}"`), filled in once
 * from their values: each must be declared, not secret (a secret would spread into a value that is
 * shown) and not a templated default itself (no chains, no cycles).
 */
const checkDefaults = (runbook: Runbook): ReferenceProblem[] =>
	Object.entries(runbook.variables).flatMap(([name, variable]) =>
		[...new Set(referencedVariables(variable.default ?? ''))].flatMap((reference): ReferenceProblem[] => {
			const path = ['variables', name, 'default'];
			const named = runbook.variables[reference];
			if (!named) return [{path, message: `undefined variable {{${reference}}} in a default: a default may name declared variables only${didYouMean(reference, Object.keys(runbook.variables))}`}];
			if (named.secret) return [{path, message: `{{${reference}}} is secret; a default must not carry a secret into a value that is shown`}];
			if (referencedVariables(named.default ?? '').length > 0) {
				return [{path, message: `{{${reference}}} has a default that names variables itself; a default may name only variables whose defaults are plain`}];
			}
			return [];
		}),
	);

/** Every reference problem of a runbook that already passed the schema. Link files are checked by the loader. */
export const checkReferences = (runbook: Runbook): ReferenceProblem[] => {
	const steps = placedSteps(runbook);
	const scope: Scope = {declared: new Set(Object.keys(runbook.variables)), captures: capturesOf(steps)};
	return [
		...checkDuplicateIds(runbook, steps),
		...steps.flatMap((placed) => [...checkStepVariables(placed, scope), ...checkGates(runbook, placed, scope)]),
		...checkMetricsAndTargets(runbook, scope),
		...checkDefaults(runbook),
	];
};

/** Steps of a runbook as they are ticked off when it is linked from another: all phases, flattened, in order. */
export const flattenedSteps = (runbook: Runbook): Array<{id: string; title: string}> =>
	runbook.phases.flatMap((phase) => phase.steps.map((step) => ({id: step.id, title: step.title})));
