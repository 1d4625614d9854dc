import type {EngineEvent, EventType} from '../engine/events.js';
import {printable} from '../engine/printable.js';
import {MIN_SECRET_LENGTH} from '../runbook/resolve.js';

/** What a secret is replaced with everywhere: screen, journal, logs, exports. */
export const REDACTED = '«redacted»';

/** An unclosed private key block redacts at most this many following lines (a 4096-bit key has ~50). */
const MAX_KEY_BLOCK_LINES = 120;

export type Redactor = {
	/** One line of a stream: a private key block opened here stays redacted in the following calls. */
	redact(text: string): string;
	/** A stream of its own (one step's output): a key block it opens stays within it. */
	stream(): RedactionStream;
	/** One text on its own: a key block opened here and not closed redacts the rest of this text only. */
	redactText(text: string): string;
	/** The free-text fields of an event, each on its own; types, ids, phases and numbers are kept. */
	redactEvent<E extends EngineEvent>(event: E): E;
	addSecret(value: string): void;
};

/** One stream of output: called with a line, or with many whole lines at once through `lines`. */
export type RedactionStream = {
	(line: string): string;
	/**
	 * Whole lines ("a\nb\n"), or a piece of a line without its newline: the same answer as each line
	 * on its own, but a block in which nothing can be a secret passes in one pass, untouched.
	 */
	lines(text: string): string;
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

/**
 * What every pattern above needs to find, and a key block needs to begin: text without any of
 * these holds no token shape, so a block of output without them is let through without the
 * patterns. Each is cheaper than its pattern; a pattern added above adds its hint here.
 */
const caseSensitiveHint = /FlyV1|fo1_|fm[12]|eyJ|-----BEGIN/;
const caseInsensitiveHint = /bearer|authorization/i;
/** A NAME=VALUE line has a name character right before its "=": a test that never looks back. */
const nameValueHint = /[A-Z0-9_]=/;
const nameValueLine = /^\s*(?:export\s+)?[A-Z][A-Z0-9_]*=/m;

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The base64 text that a value becomes wherever it stands inside encoded data (for example in
 * `Authorization: Basic base64(user:secret)`): for each of the three alignments, the characters
 * that depend on the value's bytes alone. Standard and URL-safe alphabets, no padding.
 */
const base64Forms = (bytes: Buffer): string[] =>
	[0, 1, 2].flatMap((offset) => {
		const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
		const core = encoded.slice(Math.ceil((offset * 8) / 6), Math.floor(((offset + bytes.length) * 8) / 6));
		return [core, core.replaceAll('+', '-').replaceAll('/', '_')];
	});

/** A secret as it may appear in output: itself, URL-encoded, hex, and base64 at any alignment. */
const encodedForms = (value: string): string[] => {
	const bytes = Buffer.from(value);
	return [value, encodeURIComponent(value), bytes.toString('hex'), ...base64Forms(bytes)];
};

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
 * The fields of each event that carry text a command, a person or a runbook wrote. Everything else
 * (type, ts, phase, step, ids, verdicts) is structure the reducer and resume read, and is never touched.
 */
const freeTextFields: {readonly [T in EventType]: ReadonlyArray<keyof Extract<EngineEvent, {type: T}> & string>} = {
	'run-started': ['title', 'variables'],
	'run-resumed': [],
	'step-started': ['argv'],
	'step-output': ['lines'],
	'step-finished': ['reason', 'captured'],
	'step-ticked': [],
	'gate-sampled': ['reason'],
	'traffic-shifted': [],
	'phase-confirmed': [],
	'override-given': ['reason'],
	'rollback-started': ['reason'],
	'note-added': ['text'],
	'outcome-decided': [],
	'operator-joined': [],
	'pair-refused': ['reason'],
	'run-finished': ['reason'],
};

type KeyBlockScan = {text: string; linesLeft: number};

/**
 * Replaces private key blocks in a text. `linesLeft` > 0 means a block opened in an earlier text of
 * the same stream is still open; the answer says how many lines it may still take.
 */
const redactKeyBlocks = (text: string, linesLeft: number): KeyBlockScan => {
	let rest = text;
	let result = '';
	if (linesLeft > 0) {
		const end = privateKeyEnd.exec(rest);
		if (!end) return {text: REDACTED, linesLeft: linesLeft - rest.split('\n').length};
		result = REDACTED;
		rest = rest.slice(end.index + end[0].length);
	}
	rest = rest.replace(privateKeyBlock, REDACTED);
	const begin = privateKeyBegin.exec(rest);
	// Opened but not closed here: the key's lines follow, in this text or in the next ones.
	if (begin) return {text: `${result}${rest.slice(0, begin.index)}${REDACTED}`, linesLeft: MAX_KEY_BLOCK_LINES};
	return {text: result + rest, linesLeft: 0};
};

/**
 * Redacts known secret values and token-like strings. Output reaches it a line at a time, so a
 * private key block opened in one call stays redacted in the following calls until it ends.
 * Events are redacted without that memory: one key line in a step's output must never turn the
 * type or step of the events after it into «redacted».
 */
export const createRedactor = (secrets: string[]): Redactor => {
	const known = new Set<string>();
	let knownPattern: RegExp | undefined;
	/** The same alternatives, not global: a test that keeps no position between calls. */
	let knownHint: RegExp | undefined;

	const addSecret = (value: string) => {
		const trimmed = value.trim();
		let added = false;
		for (const candidate of new Set([value, trimmed].flatMap(encodedForms))) {
			if (candidate.length < MIN_SECRET_LENGTH || REDACTED.includes(candidate) || candidate.includes(REDACTED)) continue;
			if (known.has(candidate.toLowerCase())) continue;
			known.add(candidate.toLowerCase());
			added = true;
		}
		if (!added) return;
		// Longest first, so a secret that contains another is replaced whole; case does not hide a secret.
		const sorted = [...known].sort((a, b) => b.length - a.length);
		knownPattern = new RegExp(sorted.map(escapeRegExp).join('|'), 'gi');
		knownHint = new RegExp(knownPattern.source, 'i');
	};

	/** False only when no pattern and no known secret can match anywhere in the text. */
	const mayHoldSecret = (text: string): boolean =>
		caseSensitiveHint.test(text) ||
		caseInsensitiveHint.test(text) ||
		(text.includes('=') && nameValueHint.test(text) && nameValueLine.test(text)) ||
		(knownHint !== undefined && knownHint.test(text));

	const redactTokens = (text: string): string => {
		let result = knownPattern ? text.replace(knownPattern, REDACTED) : text;
		for (const [pattern, replacement] of tokenPatterns) result = result.replace(pattern, replacement);
		return result;
	};

	const stream = (): RedactionStream => {
		let keyBlockLinesLeft = 0;
		const line = (text: string): string => {
			const scan = redactKeyBlocks(text, keyBlockLinesLeft);
			keyBlockLinesLeft = scan.linesLeft;
			return redactTokens(scan.text);
		};
		const lines = (text: string): string => {
			// Most output holds nothing to hide: one pass over the block instead of every pattern on every line.
			if (keyBlockLinesLeft === 0 && !mayHoldSecret(text)) return text;
			const each = text.split('\n');
			// Text that ends with its newline has no line after it: nothing to redact there.
			const last = each.length - (text.endsWith('\n') ? 1 : 0);
			for (let index = 0; index < last; index++) each[index] = line(each[index]!);
			return each.join('\n');
		};
		return Object.assign(line, {lines});
	};
	const redact = stream();

	const redactText = (text: string): string => redactTokens(redactKeyBlocks(text, 0).text);

	const redactEvent = <E extends EngineEvent>(event: E): E => {
		// An event of a type this version does not know (a newer journal) has no fields it knows to be text.
		const fields: readonly string[] = (freeTextFields as Partial<Record<string, readonly string[]>>)[event.type] ?? [];
		const redacted: Record<string, unknown> = {...event};
		for (const field of fields) {
			if (redacted[field] !== undefined) redacted[field] = mapStrings(redacted[field], redactText);
		}
		return redacted as E;
	};

	for (const secret of secrets) addSecret(secret);

	return {redact, stream, redactText, redactEvent, addSecret};
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

let crashRedactor: Pick<Redactor, 'redactText'> | undefined;

/** The redactor of the running release, for a message of an error nobody caught. */
export const redactCrashesWith = (redactor: Pick<Redactor, 'redactText'>): void => {
	crashRedactor = redactor;
};

/** Text of a crash as it may be shown: redacted when a release is running, token shapes in any case. */
export const redactCrashText = (text: string): string => printable((crashRedactor ?? createRedactor([])).redactText(text));
