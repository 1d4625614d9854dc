import {JSONPath} from 'jsonpath-plus';
import type {Capture, JsonExpectation} from '../runbook/schema.js';
import {execWithin, type RegexMatch} from './regex-budget.js';

export type CaptureResult = {ok: true; value: string} | {ok: false; reason: string};

/** Every value a JSON path selects in a parsed document, in document order. */
export const jsonPathMatches = (path: string, value: unknown): unknown[] => {
	// The library answers nothing at all for a null document.
	if (value === null) return path.trim() === '$' ? [null] : [];
	// "safe" evaluates filters like [?(@.state=="started")] without ever running a runbook's text as code.
	return (JSONPath({path, json: value as object, wrap: true, eval: 'safe'}) as unknown[] | undefined) ?? [];
};

/** Parses JSON, or the JSON that follows leading noise such as "Fetching status…" on the first line. */
export const parseJsonLoosely = (text: string): {ok: true; value: unknown} | {ok: false} => {
	const attempt = (candidate: string) => {
		try {
			return {ok: true as const, value: JSON.parse(candidate) as unknown};
		} catch {
			return undefined;
		}
	};
	const whole = attempt(text);
	if (whole) return whole;
	const starts = [text.indexOf('{'), text.indexOf('[')].filter((index) => index >= 0);
	for (const start of starts.sort((a, b) => a - b)) {
		const tail = attempt(text.slice(start));
		if (tail) return tail;
	}
	return {ok: false};
};

/**
 * Matches a runbook's regex against output, within the regex time budget. Output regexes match per
 * line for ^ and $, as people read command output. `match` is null when it does not match.
 */
export const matchOutput = (source: string, text: string): Promise<RegexMatch> => execWithin(source, 'm', text);

/** A matched value as a variable: strings as they are, anything else as JSON. */
export const valueAsText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value) ?? 'null');

/** The matches a `first: true` capture or expectation takes: only the first, where a tool lists newest first. */
const judged = (matches: readonly unknown[], first: boolean | undefined): readonly unknown[] => (first ? matches.slice(0, 1) : matches);

/** Takes one variable's value out of a command's stdout or a response body. */
export const captureValue = async (spec: Capture, text: string): Promise<CaptureResult> => {
	if ('regex' in spec) {
		const answer = await matchOutput(spec.regex, text);
		if (!answer.ok) return answer;
		const {match} = answer;
		if (!match) return {ok: false, reason: `no match for /${spec.regex}/`};
		return {ok: true, value: match.length > 1 ? (match[1] ?? '') : (match[0] ?? '')};
	}
	const parsed = parseJsonLoosely(text);
	if (!parsed.ok) return {ok: false, reason: `output is not JSON, so ${spec.json} cannot be read`};
	let matches: unknown[];
	try {
		matches = jsonPathMatches(spec.json, parsed.value);
	} catch (error) {
		return {ok: false, reason: `cannot evaluate ${spec.json}: ${(error as Error).message}`};
	}
	if (matches.length === 0) return {ok: false, reason: `nothing at ${spec.json}`};
	return {ok: true, value: judged(matches, spec.first).map(valueAsText).join(',')};
};

/** Takes every capture of a step from one text; the first that fails names itself. */
export const captureAll = async (
	captures: Readonly<Record<string, Capture>> | undefined,
	text: string,
): Promise<{ok: true; captured: Record<string, string>} | {ok: false; reason: string}> => {
	const captured: Record<string, string> = {};
	for (const [name, spec] of Object.entries(captures ?? {})) {
		const result = await captureValue(spec, text);
		if (!result.ok) return {ok: false, reason: `capture ${name}: ${result.reason}`};
		captured[name] = result.value;
	}
	return {ok: true, captured};
};

/** A step's passing result: the evidence, and the captures when there are any. */
export const passedWith = (
	evidence: string[],
	captured: Record<string, string>,
): {status: 'passed'; reason: string; captured?: Record<string, string>} => {
	const names = Object.keys(captured);
	if (names.length === 0) return {status: 'passed', reason: evidence.join('; ')};
	return {status: 'passed', reason: [...evidence, `captured ${names.join(', ')}`].join('; '), captured};
};

/** Names the capture that failed by what the runbook asked for: the capture's own reason may quote the output. */
export const captureFailureWithoutOutput = async (captures: Readonly<Record<string, Capture>> | undefined, text: string): Promise<string> => {
	let failing: [string, Capture] | undefined;
	for (const entry of Object.entries(captures ?? {})) {
		if (!(await captureValue(entry[1], text)).ok) {
			failing = entry;
			break;
		}
	}
	if (!failing) return 'a capture failed';
	const [name, spec] = failing;
	return `capture ${name}: nothing taken by ${'regex' in spec ? `/${spec.regex}/` : spec.json}`;
};

/** A runbook may give one expectation or a list of them. */
const asList = (expectations: JsonExpectation | readonly JsonExpectation[]): readonly JsonExpectation[] =>
	Array.isArray(expectations) ? expectations : [expectations as JsonExpectation];

/**
 * Checks JSON text (a command's stdout, a response body) against expectations, all of which must
 * hold. Returns what is wrong, in words, or undefined. `hideValues`: a secret step's values are not
 * quoted, only the path that failed.
 */
export const checkJsonExpectations = async (
	expectations: JsonExpectation | readonly JsonExpectation[],
	text: string,
	what: string,
	hideValues = false,
): Promise<string | undefined> => {
	const parsed = parseJsonLoosely(text);
	const list = asList(expectations);
	if (!parsed.ok) return `${what} is not JSON, so ${list.map((expectation) => expectation.path).join(', ')} cannot be read`;
	const shown = (value: unknown) => (hideValues ? 'not as expected' : `was ${JSON.stringify(value)}`);
	for (const expectation of list) {
		let matches: unknown[];
		try {
			matches = jsonPathMatches(expectation.path, parsed.value);
		} catch (error) {
			return `cannot evaluate ${expectation.path}: ${(error as Error).message}`;
		}
		if (expectation.absent) {
			if (matches.length > 0) {
				const found = hideValues ? `${matches.length} value(s)` : matches.slice(0, 3).map((value) => JSON.stringify(value)).join(', ') + (matches.length > 3 ? ', …' : '');
				return `${expectation.path} should find nothing, found ${found}`;
			}
			continue;
		}
		if (matches.length === 0) return `nothing at ${expectation.path}`;
		const where = expectation.first ? `the first of ${expectation.path}` : expectation.path;
		for (const value of judged(matches, expectation.first)) {
			if (expectation.equals !== undefined && value !== expectation.equals) {
				return `${where} ${shown(value)} (expected ${JSON.stringify(expectation.equals)})`;
			}
			if (expectation.matches !== undefined) {
				const answer = await matchOutput(expectation.matches, valueAsText(value));
				if (!answer.ok) return answer.reason;
				if (!answer.match) return `${where} ${shown(value)} (expected to match /${expectation.matches}/)`;
			}
		}
	}
	return undefined;
};

/** The paths an expectation checks, as evidence: "$.a, $.b as expected". */
export const describeJsonExpectations = (expectations: JsonExpectation | readonly JsonExpectation[]): string =>
	`${asList(expectations).map((expectation) => expectation.path).join(', ')} as expected`;
