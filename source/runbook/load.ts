import {readFile, stat} from 'node:fs/promises';
import path from 'node:path';
import type {core} from 'zod';
import {checkReferences, closestName, flattenedSteps, placedSteps, type ReferenceProblem} from './check-references.js';
import {checkSafety} from './check-safety.js';
import {formatJsonPath, offsetOf, parseJsonDocument, positionAt, type JsonPath, type LocateAt} from './json-position.js';
import {Runbook, type Step} from './schema.js';

// Reading a runbook file into a checked Runbook, or into problems that each name FILE:LINE:COL and a JSON path.

export type RunbookProblem = {file: string; line: number; column: number; path: string; message: string};

/** Titles of a linked checklist's steps, keyed by the link step id. */
export type LinkedChecklists = Record<string, Array<{id: string; title: string}>>;

export type LoadedRunbook = {
	/** Absolute path of the runbook file. */
	file: string;
	/** The folder it lives in: linked runbooks and relative paths are resolved from here. */
	dir: string;
	/** The file as it was named on the command line (relative stays relative), for messages. */
	shownAs: string;
	runbook: Runbook;
	/** Link step id → the linked runbook's steps, ticked off nested. */
	links: LinkedChecklists;
};

export type LoadResult = {ok: true; loaded: LoadedRunbook} | {ok: false; problems: RunbookProblem[]};

type PlacedProblem = {path: JsonPath; at?: LocateAt; message: string};

const fileProblem = (shownAs: string, message: string): RunbookProblem => ({
	file: shownAs,
	line: 1,
	column: 1,
	path: '(root)',
	message,
});

/** `FILE:LINE:COL: json.path: message`, the line `greenlight validate` prints per problem. */
export const formatProblem = (problem: RunbookProblem): string =>
	`${problem.file}:${problem.line}:${problem.column}: ${problem.path}: ${problem.message}`;

// --- reading the bytes -------------------------------------------------------------------------------

type TextOrProblem = {ok: true; text: string} | {ok: false; message: string};

const readText = async (absolute: string): Promise<TextOrProblem> => {
	let bytes: Buffer;
	try {
		const info = await stat(absolute);
		if (info.isDirectory()) return {ok: false, message: 'is a directory; expected a runbook JSON file'};
		if (!info.isFile()) return {ok: false, message: 'is not a regular file; expected a runbook JSON file'};
		bytes = await readFile(absolute);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') return {ok: false, message: 'no such file; pass the path of a runbook JSON file'};
		if (code === 'EACCES' || code === 'EPERM') return {ok: false, message: 'permission denied while reading the file'};
		if (code === 'ENOTDIR') return {ok: false, message: 'no such file (a part of the path is not a folder)'};
		return {ok: false, message: `cannot read the file: ${(error as Error).message}`};
	}
	if (bytes.includes(0)) return {ok: false, message: 'is a binary file, not JSON text'};
	let text: string;
	try {
		text = new TextDecoder('utf-8', {fatal: true}).decode(bytes);
	} catch {
		return {ok: false, message: 'is not UTF-8 text; save the runbook as UTF-8 JSON'};
	}
	// The decoder drops a byte order mark, so offsets count from the first real character.
	if (text.trim() === '') return {ok: false, message: 'the file is empty; expected a runbook JSON object'};
	return {ok: true, text};
};

// --- schema issues as readable, placed problems --------------------------------------------------------

const allowedKeysOf = new WeakMap<readonly string[], string[]>();

const describeValue = (value: unknown): string => {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	if (typeof value === 'object') return 'an object';
	if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
	return String(value);
};

const expectedType: Record<string, string> = {
	string: 'a string',
	number: 'a number',
	int: 'an integer',
	boolean: 'true or false',
	object: 'an object',
	array: 'an array',
	null: 'null',
};

const lastKey = (issuePath: readonly PropertyKey[] | undefined): string => String(issuePath?.at(-1) ?? '');

const sizeMessage = (issue: core.$ZodRawIssue & {code: 'too_small' | 'too_big'}): string | undefined => {
	const bound = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
	const small = issue.code === 'too_small';
	const exclusive = issue.inclusive === false;
	switch (issue.origin) {
		case 'array':
			return `expected ${small ? 'at least' : 'at most'} ${bound} item${bound === 1 ? '' : 's'}`;
		case 'string':
			if (small && bound === 1) return 'must not be empty';
			return `expected ${small ? 'at least' : 'at most'} ${bound} characters`;
		case 'number':
			return `expected a number ${small ? '>' : '<'}${exclusive ? '' : '='} ${bound}, got ${describeValue(issue.input)}`;
		default:
			return undefined;
	}
};

/** Messages for zod's issues that a person can act on; a schema's own message (e.g. for durations) still wins. */
const readableIssue = (issue: core.$ZodRawIssue): string | undefined => {
	switch (issue.code) {
		case 'invalid_type':
			if (issue.input === undefined) return `missing required field "${lastKey(issue.path)}"`;
			return `expected ${expectedType[issue.expected] ?? issue.expected}, got ${describeValue(issue.input)}`;
		case 'invalid_value': {
			const got = `, got ${describeValue(issue.input)}`;
			if (issue.values.length === 1) return `expected ${JSON.stringify(issue.values[0])}${got}`;
			return `expected one of ${issue.values.map(String).join('|')}${got}`;
		}
		case 'invalid_union': {
			const withDiscriminator = issue as typeof issue & {discriminator?: string; options?: unknown[]};
			if (!withDiscriminator.discriminator) return undefined;
			const options = (withDiscriminator.options ?? []).map(String).join('|');
			const input = issue.input as Record<string, unknown> | undefined;
			const given = input !== null && typeof input === 'object' ? input[withDiscriminator.discriminator] : undefined;
			if (given === undefined) return `missing required field "${withDiscriminator.discriminator}": expected one of ${options}`;
			return `expected one of ${options}, got ${describeValue(given)}`;
		}
		case 'too_small':
		case 'too_big':
			return sizeMessage(issue);
		case 'invalid_format':
			return issue.format === 'regex' && issue.pattern ? `expected text matching ${issue.pattern}` : undefined;
		case 'unrecognized_keys': {
			const shape = (issue.schema as {_zod?: {def?: {shape?: Record<string, unknown>}}} | undefined)?._zod?.def?.shape;
			if (shape) allowedKeysOf.set(issue.keys, Object.keys(shape));
			return `unknown key "${issue.keys.join('", "')}"`;
		}
		case 'invalid_key':
			return `invalid key ${describeValue(issue.input)}`;
		default:
			return undefined;
	}
};

const isMissingField = (issue: core.$ZodIssue): boolean =>
	issue.code === 'invalid_type' && issue.message.startsWith('missing required field');

/** A union none of whose branches fit: show the branch that came closest, or what the branches wanted. */
const placeUnion = (issue: core.$ZodIssueInvalidUnion, base: JsonPath): PlacedProblem[] => {
	const cost = (branch: core.$ZodIssue[]) =>
		branch.reduce((sum, inner) => sum + (inner.code === 'unrecognized_keys' ? inner.keys.length : 1), 0);
	const best = Math.min(...issue.errors.map(cost));
	const closest = issue.errors.filter((branch) => cost(branch) === best);
	const [first] = closest;
	if (!first) return [{path: base, message: issue.message}];
	if (closest.length === 1) return placeIssues(first, base);
	const onlyOne = closest.every((branch) => branch.length === 1);
	const types = closest.flatMap((branch) => branch.filter((inner) => inner.code === 'invalid_type' && inner.path.length === 0));
	if (onlyOne && types.length === closest.length) {
		const wanted = types.map((inner) => (inner.code === 'invalid_type' ? (expectedType[inner.expected] ?? inner.expected) : ''));
		const got = types[0]?.message.replace(/^.*, got /, '') ?? '';
		const choices = wanted.length > 1 ? `${wanted.slice(0, -1).join(', ')} or ${wanted.at(-1)}` : wanted.join('');
		return [{path: base, message: `expected ${choices}, got ${got}`}];
	}
	const shapeOnly = closest.every((branch) =>
		branch.every((inner) => inner.code === 'unrecognized_keys' || (isMissingField(inner) && inner.path.length === 1)),
	);
	if (shapeOnly) {
		const names = new Set(
			closest.flatMap((branch) =>
				branch.flatMap((inner) => (inner.code === 'unrecognized_keys' ? inner.keys : [String(inner.path[0])])),
			),
		);
		return [{path: base, message: `expected exactly one of ${[...names].map((name) => `"${name}"`).join(', ')}`}];
	}
	return placeIssues(first, base);
};

const placeIssues = (issues: readonly core.$ZodIssue[], base: JsonPath = []): PlacedProblem[] =>
	issues.flatMap((issue): PlacedProblem[] => {
		const issuePath: JsonPath = [...base, ...issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)))];
		switch (issue.code) {
			case 'unrecognized_keys': {
				const allowed = allowedKeysOf.get(issue.keys) ?? [];
				return issue.keys.map((key) => {
					const guess = closestName(key, allowed);
					return {path: [...issuePath, key], at: 'key', message: `unknown key "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}`};
				});
			}
			case 'invalid_union':
				return issue.errors.length > 0 ? placeUnion(issue, issuePath) : [{path: issuePath, message: issue.message}];
			case 'invalid_key': {
				const inner = issue.issues.map((nested) => nested.message).join('; ');
				return [{path: issuePath, at: 'key', message: `${issue.message}: ${inner}`}];
			}
			default:
				return [{path: issuePath, message: issue.message}];
		}
	});

// --- loading ----------------------------------------------------------------------------------------

type Located = {
	shownAs: string;
	text: string;
	tree: Parameters<typeof offsetOf>[0];
};

const locate = (where: Located, problem: PlacedProblem): RunbookProblem => {
	const {line, column} = positionAt(where.text, offsetOf(where.tree, problem.path, problem.at));
	return {file: where.shownAs, line, column, path: formatJsonPath(problem.path), message: problem.message};
};

const locateReference = (where: Located, problem: ReferenceProblem): RunbookProblem => {
	const related = problem.related
		? `; first used at ${formatJsonPath(problem.related)} (line ${positionAt(where.text, offsetOf(where.tree, problem.related)).line})`
		: '';
	return locate(where, {path: problem.path, at: problem.at, message: `${problem.message}${related}`});
};

const byPosition = (a: RunbookProblem, b: RunbookProblem): number => a.line - b.line || a.column - b.column;

const linkSteps = (runbook: Runbook) =>
	placedSteps(runbook).filter(
		(entry): entry is typeof entry & {step: Step & {kind: 'link'}} => entry.step.kind === 'link',
	);

const exists = async (file: string): Promise<boolean> => {
	try {
		await stat(file);
		return true;
	} catch {
		return false;
	}
};

/** Loads linked runbooks: each must exist and load itself; a chain that comes back to a file is a cycle. */
const loadLinks = async (
	runbook: Runbook,
	where: Located,
	dir: string,
	chain: readonly string[],
): Promise<{links: LinkedChecklists; own: RunbookProblem[]; nested: RunbookProblem[]}> => {
	const links: LinkedChecklists = {};
	const own: RunbookProblem[] = [];
	const nested: RunbookProblem[] = [];
	const loadedHere = new Map<string, LoadResult>();
	for (const {step, path: stepPath} of linkSteps(runbook)) {
		const filePath = [...stepPath, 'file'];
		const absolute = path.resolve(dir, step.file);
		const shownAs = path.isAbsolute(step.file) ? step.file : path.join(path.dirname(where.shownAs), step.file);
		const cycleStart = chain.indexOf(absolute);
		if (cycleStart >= 0) {
			const names = [...chain.slice(cycleStart), absolute].map((file) => path.relative(dir, file) || path.basename(file));
			own.push(locate(where, {path: filePath, message: `link cycle: ${names.join(' → ')}; a runbook must not link back to itself`}));
			continue;
		}
		if (!(await exists(absolute))) {
			own.push(locate(where, {path: filePath, message: `linked runbook "${step.file}" does not exist (looked for ${shownAs})`}));
			continue;
		}
		const known = loadedHere.get(absolute);
		const linked = known ?? (await loadWithin(shownAs, absolute, [...chain, absolute]));
		loadedHere.set(absolute, linked);
		if (linked.ok) links[step.id] = flattenedSteps(linked.loaded.runbook);
		// A file linked twice is reported once.
		else if (!known) nested.push(...linked.problems);
	}
	return {links, own, nested};
};

const loadWithin = async (shownAs: string, absolute: string, chain: readonly string[]): Promise<LoadResult> => {
	const read = await readText(absolute);
	if (!read.ok) return {ok: false, problems: [fileProblem(shownAs, read.message)]};
	const parsed = parseJsonDocument(read.text);
	if (!parsed.ok) {
		return {
			ok: false,
			problems: parsed.problems
				.map((problem) => {
					const {line, column} = positionAt(read.text, problem.offset);
					return {file: shownAs, line, column, path: formatJsonPath(problem.path), message: problem.message};
				})
				.sort(byPosition),
		};
	}
	const where: Located = {shownAs, text: parsed.text, tree: parsed.tree};
	const result = Runbook.safeParse(parsed.value, {error: readableIssue, reportInput: true});
	if (!result.success) {
		return {ok: false, problems: placeIssues(result.error.issues).map((problem) => locate(where, problem)).sort(byPosition)};
	}
	const runbook = result.data;
	const dir = path.dirname(absolute);
	const references = [...checkReferences(runbook), ...checkSafety(runbook)].map((problem) => locateReference(where, problem));
	const {links, own, nested} = await loadLinks(runbook, where, dir, chain);
	const problems = [...[...references, ...own].sort(byPosition), ...nested];
	if (problems.length > 0) return {ok: false, problems};
	return {ok: true, loaded: {file: absolute, dir, shownAs, runbook, links}};
};

/** Reads, parses, validates and cross-checks a runbook file and the runbooks it links. Never throws. */
export const loadRunbook = async (file: string): Promise<LoadResult> => {
	if (file.trim() === '') return {ok: false, problems: [fileProblem(file, 'no runbook file named; pass the path of a runbook JSON file')]};
	const absolute = path.resolve(file);
	try {
		return await loadWithin(file, absolute, [absolute]);
	} catch (error) {
		if (error instanceof RangeError) return {ok: false, problems: [fileProblem(file, 'is nested too deeply to be a runbook')]};
		// A bug of ours must still reach the person as one line, not a stack trace.
		return {ok: false, problems: [fileProblem(file, `could not be checked: ${(error as Error).message}`)]};
	}
};

// --- what `greenlight validate` prints -----------------------------------------------------------------

const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** One line: `runbook.json: valid — "Title", 6 phases, 24 steps, 5 metrics, rollback 4 steps, targets: a, b`. */
export const describeLoaded = (loaded: LoadedRunbook): string => {
	const {runbook} = loaded;
	const steps = runbook.phases.reduce((sum, phase) => sum + phase.steps.length, 0);
	const rollback = runbook.rollback ? `rollback ${count(runbook.rollback.steps.length, 'step')}` : 'no rollback';
	const targets = Object.keys(runbook.targets);
	const linked = Object.keys(loaded.links).length;
	return [
		`${loaded.shownAs}: valid — ${JSON.stringify(runbook.title)}`,
		count(runbook.phases.length, 'phase'),
		count(steps, 'step'),
		count(Object.keys(runbook.metrics).length, 'metric'),
		rollback,
		...(linked > 0 ? [count(linked, 'linked runbook')] : []),
		targets.length > 0 ? `targets: ${targets.join(', ')}` : 'no targets',
	].join(', ');
};

/** Exactly what `greenlight validate FILE` prints, and its exit code (0 valid, 2 problems). */
export const validateFile = async (file: string): Promise<{exitCode: 0 | 2; lines: string[]}> => {
	const result = await loadRunbook(file);
	if (result.ok) return {exitCode: 0, lines: [describeLoaded(result.loaded)]};
	return {exitCode: 2, lines: result.problems.map(formatProblem)};
};
