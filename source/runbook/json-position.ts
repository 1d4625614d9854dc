import {findNodeAtLocation, getLocation, parseTree, printParseErrorCode, type Node, type ParseError} from 'jsonc-parser';

// Strict JSON text with a syntax tree, so every problem found later can point at a line and column.

export type JsonPath = ReadonlyArray<string | number>;

/** A place in the text: 1-based line and column (in UTF-16 code units, as editors count them). */
export type TextPosition = {line: number; column: number};

export type JsonProblemAt = {offset: number; path: JsonPath; message: string};

export type ParsedJson =
	| {ok: true; value: unknown; tree: Node; text: string}
	| {ok: false; problems: JsonProblemAt[]};

const syntaxMessages: Record<string, string> = {
	InvalidSymbol: 'unexpected character; expected a JSON value',
	InvalidNumberFormat: 'invalid number',
	PropertyNameExpected: 'expected a property name in double quotes (JSON allows no trailing comma)',
	ValueExpected: 'expected a value (JSON allows no trailing comma)',
	ColonExpected: 'expected ":" after the property name',
	CommaExpected: 'expected "," between entries',
	CloseBraceExpected: 'expected "}" to close the object',
	CloseBracketExpected: 'expected "]" to close the array',
	EndOfFileExpected: 'expected the end of the file after the top-level value',
	InvalidCommentToken: 'comments are not allowed in JSON',
	UnexpectedEndOfComment: 'unterminated comment',
	UnexpectedEndOfString: 'unterminated string',
	UnexpectedEndOfNumber: 'unterminated number',
	InvalidUnicode: 'invalid \\u escape in a string',
	InvalidEscapeCharacter: 'invalid escape sequence in a string',
	InvalidCharacter: 'invalid character in a string (control characters must be escaped)',
};

const syntaxMessage = (error: ParseError): string => {
	const code = printParseErrorCode(error.error);
	return `JSON syntax error: ${syntaxMessages[code] ?? code}`;
};

/** Objects that name the same key twice: JSON parsers silently keep the last one. */
const duplicateKeys = (node: Node, path: Array<string | number>, found: JsonProblemAt[]): void => {
	if (node.type === 'object') {
		const seen = new Map<string, number>();
		for (const property of node.children ?? []) {
			const [keyNode, valueNode] = property.children ?? [];
			if (!keyNode) continue;
			const key = String(keyNode.value);
			const first = seen.get(key);
			if (first === undefined) seen.set(key, keyNode.offset);
			else found.push({offset: keyNode.offset, path: [...path, key], message: `duplicate key "${key}" in one object`});
			if (valueNode) duplicateKeys(valueNode, [...path, key], found);
		}
	} else if (node.type === 'array') {
		(node.children ?? []).forEach((child, index) => duplicateKeys(child, [...path, index], found));
	}
};

// JSON.parse's error messages end with "at position N" on Node 20; earlier forms have no position.
const positionOfJsonParseError = (message: string): number => {
	const match = /position (\d+)/.exec(message);
	return match ? Number(match[1]) : 0;
};

// Where a syntax error sits; an empty last segment only means "at a property name not yet written".
const syntaxErrorPath = (text: string, offset: number): JsonPath => {
	const path = getLocation(text, offset).path;
	return path.at(-1) === '' ? path.slice(0, -1) : path;
};

/** Parses strict JSON (no comments, no trailing commas), reporting every syntax error and duplicate key. */
export const parseJsonDocument = (text: string): ParsedJson => {
	const errors: ParseError[] = [];
	const tree = parseTree(text, errors, {disallowComments: true, allowTrailingComma: false, allowEmptyContent: false});
	const problems: JsonProblemAt[] = errors.map((error) => ({
		offset: error.offset,
		path: syntaxErrorPath(text, error.offset),
		message: syntaxMessage(error),
	}));
	if (problems.length > 0 || !tree) {
		return {ok: false, problems: problems.length > 0 ? problems : [{offset: 0, path: [], message: 'JSON syntax error: expected a JSON value'}]};
	}
	const duplicates: JsonProblemAt[] = [];
	duplicateKeys(tree, [], duplicates);
	if (duplicates.length > 0) return {ok: false, problems: duplicates};
	// The tree parser is lenient in corners JSON.parse is not; JSON.parse has the last word on the value.
	try {
		return {ok: true, value: JSON.parse(text) as unknown, tree, text};
	} catch (error) {
		const message = (error as Error).message;
		return {ok: false, problems: [{offset: positionOfJsonParseError(message), path: [], message: `JSON syntax error: ${message}`}]};
	}
};

/** 0-based offset → 1-based line and column. */
export const positionAt = (text: string, offset: number): TextPosition => {
	let line = 1;
	let lineStart = 0;
	const end = Math.min(Math.max(offset, 0), text.length);
	for (let index = 0; index < end; index++) {
		const char = text.charCodeAt(index);
		if (char === 10) {
			line++;
			lineStart = index + 1;
		} else if (char === 13 && text.charCodeAt(index + 1) !== 10) {
			line++;
			lineStart = index + 1;
		}
	}
	return {line, column: end - lineStart + 1};
};

export type LocateAt = 'value' | 'key';

/**
 * The offset of the value at `path`, or of its key with at: 'key'. A path into something that does not
 * exist (a missing field) lands on the nearest enclosing value that does, i.e. the object that lacks it.
 */
export const offsetOf = (tree: Node, path: JsonPath, at: LocateAt = 'value'): number => {
	for (let length = path.length; length >= 0; length--) {
		const node = findNodeAtLocation(tree, [...path.slice(0, length)]);
		if (!node) continue;
		if (at === 'key' && length === path.length && node.parent?.type === 'property') {
			return node.parent.children?.[0]?.offset ?? node.offset;
		}
		return node.offset;
	}
	return tree.offset;
};

const identifierSegment = /^[A-Za-z_$][\w$-]*$/;

/** ["phases", 1, "steps", 0, "timeout"] → "phases[1].steps[0].timeout"; the empty path is "(root)". */
export const formatJsonPath = (path: JsonPath): string => {
	if (path.length === 0) return '(root)';
	let text = '';
	for (const segment of path) {
		if (typeof segment === 'number') text += `[${segment}]`;
		else if (identifierSegment.test(segment)) text += text === '' ? segment : `.${segment}`;
		else text += `[${JSON.stringify(segment)}]`;
	}
	return text;
};
