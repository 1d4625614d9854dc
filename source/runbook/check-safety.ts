import type {JsonPath} from './json-position.js';
import {placedSteps, type ReferenceProblem} from './check-references.js';
import {parseDuration} from './duration.js';
import type {Runbook} from './schema.js';
import {codePositions, referencedVariables} from './template.js';

// What a runbook may not say even when its shape is right: a value that would become code, bounds
// that cannot hold, a wait of zero or of days, weights that go backwards.
// Checked at validation, so `greenlight validate` names each with FILE:LINE:COL before a release.

/** Shortest sampling interval: faster polls only load the metrics backend. */
export const MIN_INTERVAL_MS = 100;
/** Longest wait a runbook may ask for: a release does not bake for days. */
export const MAX_WAIT_MS = 24 * 60 * 60 * 1000;

const durationFields = ['timeout', 'duration', 'interval', 'bake', 'maxBake', 'maxDuration', 'window'] as const;

/** Every duration field in a value, with its path (steps, gates, metric sources). */
const durationsIn = (value: unknown, path: JsonPath): Array<{field: string; text: string; path: JsonPath}> => {
	if (Array.isArray(value)) return value.flatMap((item, index) => durationsIn(item, [...path, index]));
	if (value === null || typeof value !== 'object') return [];
	return Object.entries(value).flatMap(([key, item]) => {
		if ((durationFields as readonly string[]).includes(key) && typeof item === 'string' && item !== 'bake') return [{field: key, text: item, path: [...path, key]}];
		return durationsIn(item, [...path, key]);
	});
};

const checkDurations = (runbook: Runbook): ReferenceProblem[] =>
	durationsIn({phases: runbook.phases, rollback: runbook.rollback, metrics: runbook.metrics, targets: runbook.targets}, []).flatMap(({field, text, path}) => {
		let ms: number;
		try {
			ms = parseDuration(text);
		} catch {
			return [];
		}
		if (ms <= 0) return [{path, message: `${field} "${text}" is zero: ${field === 'timeout' ? 'a timeout of zero would mean none' : 'nothing would be observed'}; give a positive duration`}];
		if (field === 'interval' && ms < MIN_INTERVAL_MS) return [{path, message: `interval "${text}" is shorter than ${MIN_INTERVAL_MS} ms; sampling faster only loads the metrics backend`}];
		if (ms > MAX_WAIT_MS) return [{path, message: `${field} "${text}" is longer than a day; a release does not wait that long (use at most "24h")`}];
		return [];
	});

/** A {{variable}} where a shell or an interpreter runs code. */
const checkArgv = (argv: readonly string[], path: JsonPath): ReferenceProblem[] => {
	const problems: ReferenceProblem[] = [];
	for (const position of codePositions(argv)) {
		const [name] = referencedVariables(argv[position] ?? '');
		if (name !== undefined) {
			problems.push({
				path: [...path, position],
				message: `{{${name}}} stands where a shell or an interpreter runs code; a value must never become code: pass it as a later argument and read it as "$1", or through env`,
			});
		}
	}
	return problems;
};

const checkCommands = (runbook: Runbook): ReferenceProblem[] => [
	...placedSteps(runbook).flatMap(({step, path}) => ((step.kind === 'command' && !step.shell) || step.kind === 'traffic' ? checkArgv(step.run, [...path, 'run']) : [])),
	...Object.entries(runbook.metrics).flatMap(([id, metric]) =>
		(['green', 'blue'] as const).flatMap((side) => {
			const source = metric[side];
			return source?.type === 'command' ? checkArgv(source.run, ['metrics', id, side, 'run']) : [];
		}),
	),
];

const checkGateBounds = (runbook: Runbook): ReferenceProblem[] =>
	placedSteps(runbook).flatMap(({step, path}) =>
		step.kind === 'watch' || step.kind === 'traffic'
			? step.gates.flatMap((gate, index) =>
					gate.min !== undefined && gate.max !== undefined && gate.min > gate.max
						? [{path: [...path, 'gates', index, 'min'], message: `min ${gate.min} is above max ${gate.max}: no value could ever pass this gate`}]
						: [],
				)
			: [],
	);

const checkWeights = (runbook: Runbook): ReferenceProblem[] =>
	placedSteps(runbook).flatMap(({step, path}) => {
		if (step.kind !== 'traffic') return [];
		// A step back to blue (a promotion's return to weight 0, say) decreases to 0; anything else moves towards green.
		const backToBlue = step.weights.at(-1) === 0 && step.weights.every((weight, index) => index === 0 || weight < (step.weights[index - 1] ?? 0));
		if (backToBlue) return [];
		const problems: ReferenceProblem[] = [];
		step.weights.forEach((weight, index) => {
			const before = step.weights[index - 1];
			if (before !== undefined && weight <= before) {
				problems.push({path: [...path, 'weights', index], message: `weight ${weight} after ${before}: the weights of a traffic step must increase (or, for a step back to blue, decrease to 0)`});
			}
		});
		if ((step.weights[0] ?? 0) <= 0) problems.push({path: [...path, 'weights', 0], message: 'the first weight must put some traffic on green (above 0)'});
		return problems;
	});

export const checkSafety = (runbook: Runbook): ReferenceProblem[] => [...checkDurations(runbook), ...checkCommands(runbook), ...checkGateBounds(runbook), ...checkWeights(runbook)];
