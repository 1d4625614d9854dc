import type {EngineEvent} from '../engine/events.js';

/** What a secret is replaced with everywhere: screen, journal, logs, exports. */
export const REDACTED = '«redacted»';

/** Shorter known values are not redacted: "abc" would blank out half of every log. */
const MIN_SECRET_LENGTH = 4;

/** An unclosed private key block redacts at most this many following lines (a 4096-bit key has ~50). */
const MAX_KEY_BLOCK_LINES = 120;

export type Redactor = {
	redact(text: string): string;
	redactEvent<E extends EngineEvent>(event: E): E;
	addSecret(value: string): void;
};

const privateKeyBlock = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----/g;
const privateKeyBegin = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const privateKeyEnd = /-----END [A-Z0-9 ]*PRIVATE KEY-----/;

/** Token shapes that are secret wherever they appear, whoever printed them. */
const tokenPatterns: Array<[RegExp, string]> = [
	[/\b(Bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
	// "Basic" alone is a common word: only as an Authorization header.
	[/(Authorization:\s*Basic)\s+\S+/gi, `$1 ${REDACTED}`],
	// Fly.io: "FlyV1 fm2_…,fm2_…" macaroons and fo1_/fm1_/fm2_ access tokens.
	[/\bFlyV1\s+\S+/g, `FlyV1 ${REDACTED}`],
	[/\b(?:fo1|fm1[ar]?|fm2)_[A-Za-z0-9_+/=-]{8,}/g, REDACTED],
	// JWT: a JSON header ("eyJ" is base64url of '{"'), a payload and a signature.
	[/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, REDACTED],
	// NAME=VALUE lines as `fly secrets import` reads them (and as env dumps print them).
	[/^(\s*(?:export\s+)?[A-Z][A-Z0-9_]*=)(?=.*\S).*$/gm, `$1${REDACTED}`],
];

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every string inside a JSON-like value, replaced; keys and non-strings are kept. */
export const mapStrings = <T>(value: T, map: (text: string) => string): T => {
	if (typeof value === 'string') return map(value) as T;
	if (Array.isArray(value)) return value.map((item: unknown) => mapStrings(item, map)) as T;
	if (value && typeof value === 'object') {
		return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, map)])) as T;
	}
	return value;
};

/**
 * Redacts known secret values and token-like strings. Output reaches it a line at a time, so a
 * private key block opened in one call stays redacted in the following calls until it ends.
 */
export const createRedactor = (secrets: string[]): Redactor => {
	const known = new Set<string>();
	let knownPattern: RegExp | undefined;
	let keyBlockLinesLeft = 0;

	const addSecret = (value: string) => {
		const trimmed = value.trim();
		for (const candidate of new Set([value, trimmed])) {
			if (candidate.length < MIN_SECRET_LENGTH || REDACTED.includes(candidate) || candidate.includes(REDACTED)) continue;
			if (known.has(candidate)) continue;
			known.add(candidate);
			// Longest first, so a secret that contains another is replaced whole.
			const sorted = [...known].sort((a, b) => b.length - a.length);
			knownPattern = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
		}
	};

	const redactKeyBlocks = (text: string): string => {
		let rest = text;
		let result = '';
		if (keyBlockLinesLeft > 0) {
			const end = privateKeyEnd.exec(rest);
			if (!end) {
				keyBlockLinesLeft -= rest.split('\n').length;
				return REDACTED;
			}
			keyBlockLinesLeft = 0;
			result = REDACTED;
			rest = rest.slice(end.index + end[0].length);
		}
		rest = rest.replace(privateKeyBlock, REDACTED);
		const begin = privateKeyBegin.exec(rest);
		if (begin) {
			// Opened but not closed here: the key's lines follow in the next calls.
			keyBlockLinesLeft = MAX_KEY_BLOCK_LINES;
			return `${result}${rest.slice(0, begin.index)}${REDACTED}`;
		}
		return result + rest;
	};

	const redact = (text: string): string => {
		let result = redactKeyBlocks(text);
		if (knownPattern) result = result.replace(knownPattern, REDACTED);
		for (const [pattern, replacement] of tokenPatterns) result = result.replace(pattern, replacement);
		return result;
	};

	for (const secret of secrets) addSecret(secret);

	return {
		redact,
		redactEvent: (event) => mapStrings(event, redact),
		addSecret,
	};
};

/**
 * The values of NAME=VALUE lines (the input of `fly secrets import`), registered as secrets so they
 * are redacted wherever a command echoes them. Returns the values found.
 */
export const redactStdinSecrets = (redactor: Pick<Redactor, 'addSecret'>, stdin: string): string[] => {
	const values: string[] = [];
	for (const line of stdin.split(/\r?\n/)) {
		const match = /^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=(.*)$/.exec(line);
		const raw = match?.[1]?.trim();
		if (!raw) continue;
		const value = /^(["'])(.*)\1$/.exec(raw)?.[2] ?? raw;
		redactor.addSecret(value);
		values.push(value);
	}
	return values;
};
