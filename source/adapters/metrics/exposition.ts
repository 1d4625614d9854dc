// The Prometheus text exposition format (version 0.0.4), read as a Prometheus server reads a scrape:
// the grammar is upstream's lexer and parser (prometheus/prometheus model/textparse/promlex.l and
// promparse.go), so a page Prometheus would refuse is garbage here too, and an unknown reading.
//
// Every line is checked, but only the families a source asks for become objects: a scrape of a
// node_exporter-sized page is thousands of lines, read every second, of which a gate wants dozens.

/** One sample line of a text exposition: `name{labels} value`, with its identity among the series of its scrape. */
export type ExposedSeries = {name: string; labels: Readonly<Record<string, string>>; value: number; key?: string};

/** A checked exposition: the samples of one name, made on first asking and kept. */
export type Exposition = {samples: (name: string) => readonly ExposedSeries[]};

export type ParsedExposition = {ok: true; exposition: Exposition} | {ok: false; reason: string};

/** "+Inf", "-Inf", "NaN" and plain numbers, as the exposition format and the Prometheus API write them. */
export const parseSampleValue = (text: string): number => {
	const trimmed = text.trim();
	const number = trimmed === '' ? Number.NaN : Number(trimmed);
	if (!Number.isNaN(number) || !/^[+-]?inf(inity)?$/i.test(trimmed)) return number;
	return trimmed.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
};

const SPACE = 32;
const TAB = 9;
const QUOTE = 34;
const HASH = 35;
const COMMA = 44;
const EQUALS = 61;
const BACKSLASH = 92;
const BRACE_OPEN = 123;
const BRACE_CLOSE = 125;

const isBlank = (code: number) => code === SPACE || code === TAB;
const isDigit = (code: number) => code >= 48 && code <= 57;
/** `[a-zA-Z_]`: a label name's first character; a metric name may also hold ':'. */
const isLetter = (code: number) => (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95;

const skipBlanks = (text: string, at: number, end: number): number => {
	while (at < end && isBlank(text.charCodeAt(at))) at++;
	return at;
};

/** The end of a name at `at` (`[a-zA-Z_:][a-zA-Z0-9_:]*`, or without ':' for a label), or `at` when none starts there. */
const nameEnd = (text: string, at: number, end: number, colon: boolean): number => {
	const first = text.charCodeAt(at);
	if (at >= end || !(isLetter(first) || (colon && first === 58))) return at;
	let index = at + 1;
	for (; index < end; index++) {
		const code = text.charCodeAt(index);
		if (!(isLetter(code) || isDigit(code) || (colon && code === 58))) break;
	}
	return index;
};

/** The end of a quoted string at `at` (just past its closing quote), or -1 when it does not close on its line. */
const quotedEnd = (text: string, at: number, end: number): number => {
	for (let index = at + 1; index < end; index++) {
		const code = text.charCodeAt(index);
		if (code === BACKSLASH) index++;
		else if (code === QUOTE) return index + 1;
	}
	return -1;
};

/** A quoted string's text: upstream undoes `\\`, `\"` and `\n` and keeps any other backslash as written. */
const unquote = (quoted: string): string => {
	const inner = quoted.slice(1, -1);
	return inner.includes('\\') ? inner.replace(/\\(["\\n])/g, (_escape, code: string) => (code === 'n' ? '\n' : code)) : inner;
};

/** Whether `text[at, end)` is `word` (lower case) in any case. */
const lowerIs = (text: string, at: number, end: number, word: string): boolean => {
	if (end - at !== word.length) return false;
	for (let index = 0; index < word.length; index++) if ((text.charCodeAt(at + index) | 32) !== word.charCodeAt(index)) return false;
	return true;
};

/** `a` before `b` in code-unit order, for `text[a0, a1)` and `text[b0, b1)`. */
const before = (text: string, a0: number, a1: number, b0: number, b1: number): boolean => {
	for (; a0 < a1 && b0 < b1; a0++, b0++) {
		const difference = text.charCodeAt(a0) - text.charCodeAt(b0);
		if (difference !== 0) return difference < 0;
	}
	return a1 - a0 < b1 - b0;
};

/**
 * Whether `text[at, end)` is a float as upstream reads one: Go's strconv.ParseFloat without 'p', 'P'
 * or '_' (promparse.go's parseFloat). So decimals with an exponent, Inf or Infinity with a sign,
 * NaN; a decimal too large for a double is out of range there, and refused here too.
 */
const isFloat = (text: string, at: number, end: number): boolean => {
	let index = at;
	const sign = text.charCodeAt(index) === 43 || text.charCodeAt(index) === 45;
	if (sign) index++;
	if (lowerIs(text, index, end, 'inf') || lowerIs(text, index, end, 'infinity')) return true;
	if (!sign && lowerIs(text, index, end, 'nan')) return true;
	let digits = 0;
	while (index < end && isDigit(text.charCodeAt(index))) (index++, digits++);
	if (index < end && text.charCodeAt(index) === 46) {
		index++;
		while (index < end && isDigit(text.charCodeAt(index))) (index++, digits++);
	}
	if (digits === 0) return false;
	let exponent = false;
	if (index < end && (text.charCodeAt(index) | 32) === 101) {
		index++;
		if (index < end && (text.charCodeAt(index) === 43 || text.charCodeAt(index) === 45)) index++;
		const from = index;
		while (index < end && isDigit(text.charCodeAt(index))) index++;
		if (index === from) return false;
		exponent = true;
	}
	if (index !== end) return false;
	// Only an exponent or some 300 digits reach past a double's range.
	return (!exponent && digits < 300) || Number.isFinite(Number(text.slice(at, end)));
};

const METRIC_TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/**
 * Where a sample line's parts lie. `labels` holds each label's name and quoted value bounds, four
 * numbers a label, up to `bounds`: one record serves every line, so a line allocates nothing.
 */
type SampleLine = {nameStart: number; nameEnd: number; labels: number[]; bounds: number; seriesEnd: number; valueStart: number; valueEnd: number};

/** A message about a line, with the line cut short and control characters written as escapes, never sent to a terminal raw. */
const malformed = (problem: string, text: string, start: number, end: number, number: number): string => {
	const shown = end - start > 120 ? `${text.slice(start, start + 120)}…` : text.slice(start, end);
	const reason = `malformed exposition: ${problem} in line ${number}: ${shown}`;
	return reason.replace(/[\u0000-\u001f\u007f-\u009f]/g, (code) => `\\x${code.charCodeAt(0).toString(16).padStart(2, '0')}`);
};

/**
 * Reads where the parts of the sample on the line `text[start, end)` lie, or says what is wrong
 * with it. Labels are `{name="value", …}` with an optional comma between them and after the last;
 * a metric name may instead stand quoted among them (`{"name.with.dots", le="1"}`), as upstream allows.
 */
const readSample = (text: string, start: number, end: number, into: SampleLine): string | undefined => {
	let at = skipBlanks(text, start, end);
	into.nameStart = at;
	into.nameEnd = nameEnd(text, at, end, true);
	into.bounds = 0;
	into.seriesEnd = into.nameEnd;
	at = skipBlanks(text, into.nameEnd, end);
	if (text.charCodeAt(at) !== BRACE_OPEN) {
		if (into.nameEnd === into.nameStart) return 'expected a metric name';
	} else {
		at++;
		for (;;) {
			at = skipBlanks(text, at, end);
			if (text.charCodeAt(at) === BRACE_CLOSE) break;
			const labelStart = at;
			const quotedName = text.charCodeAt(at) === QUOTE;
			const labelEnd = quotedName ? quotedEnd(text, at, end) : nameEnd(text, at, end, false);
			if (labelEnd === -1 || labelEnd === labelStart) return 'expected a label name or "}"';
			at = skipBlanks(text, labelEnd, end);
			const next = text.charCodeAt(at);
			if (quotedName && (next === COMMA || next === BRACE_CLOSE)) {
				if (into.nameEnd !== into.nameStart) return 'the metric name is given twice';
				into.nameStart = labelStart;
				into.nameEnd = labelEnd;
				if (next === COMMA) at++;
				continue;
			}
			if (next !== EQUALS) return `expected "=" after the label ${text.slice(labelStart, labelEnd)}`;
			at = skipBlanks(text, at + 1, end);
			const valueEnd = text.charCodeAt(at) === QUOTE ? quotedEnd(text, at, end) : -1;
			if (valueEnd === -1) return `expected a quoted value for the label ${text.slice(labelStart, labelEnd)}`;
			const {labels} = into;
			labels[into.bounds] = labelStart;
			labels[into.bounds + 1] = labelEnd;
			labels[into.bounds + 2] = at;
			labels[into.bounds + 3] = valueEnd;
			into.bounds += 4;
			at = skipBlanks(text, valueEnd, end);
			if (text.charCodeAt(at) === COMMA) at++;
		}
		if (into.nameEnd === into.nameStart) return 'a sample without a metric name';
		into.seriesEnd = ++at;
	}
	at = skipBlanks(text, at, end);
	into.valueStart = at;
	while (at < end && !isBlank(text.charCodeAt(at)) && text.charCodeAt(at) !== BRACE_OPEN) at++;
	into.valueEnd = at;
	if (at === into.valueStart) return 'expected a value after the metric';
	if (!isFloat(text, into.valueStart, at)) return `${text.slice(into.nameStart, into.nameEnd)} has value "${text.slice(into.valueStart, at)}"`;
	at = skipBlanks(text, at, end);
	if (at < end) {
		const timestamp = at;
		while (at < end && isDigit(text.charCodeAt(at))) at++;
		if (at === timestamp) return 'expected a timestamp or the end of the line';
		if (skipBlanks(text, at, end) < end) return 'expected the end of the line after the timestamp';
	}
	return undefined;
};

/** A `#` line: HELP and TYPE must name a metric, TYPE one of the five types; anything else is a comment. */
const readComment = (text: string, start: number, end: number): string | undefined => {
	let at = start + 1;
	if (at >= end || !isBlank(text.charCodeAt(at))) return undefined;
	at = skipBlanks(text, at, end);
	const keyword = text.slice(at, at + 4);
	if ((keyword !== 'HELP' && keyword !== 'TYPE') || !isBlank(text.charCodeAt(at + 4))) return undefined;
	at = skipBlanks(text, at + 4, end);
	const nameStart = at;
	at = text.charCodeAt(at) === QUOTE ? quotedEnd(text, at, end) : nameEnd(text, at, end, true);
	if (at === -1 || at === nameStart) return `expected a metric name after ${keyword}`;
	if (keyword === 'HELP') return undefined;
	// Upstream's type is the rest of the line after one blank: "# TYPE x counter" and nothing more.
	const type = text.slice(at + 1, end);
	return METRIC_TYPES.has(type) ? undefined : `invalid metric type ${JSON.stringify(type)}`;
};

/** A label value as the exposition quotes it. */
const quote = (value: string): string => `"${value.replace(/[\\"\n]/g, (code) => (code === '\n' ? '\\n' : `\\${code}`))}"`;

/** A metric or label name as the exposition writes it: quoted unless it is a plain name. */
const written = (name: string): string => (/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name) ? name : quote(name));

/** Whether the line's series is written with no blank and one comma between its labels: `name{a="1",b="2"}`. */
const isTidy = (text: string, line: SampleLine): boolean => {
	const {labels, bounds} = line;
	if (text.charCodeAt(line.nameStart) === QUOTE) return false;
	if (bounds === 0) return line.seriesEnd === line.nameEnd;
	// One character between the parts: "{" before the first label, "=" in each, "," between them.
	let expected = line.nameEnd + 1;
	for (let index = 0; index < bounds; index += 4) {
		const labelStart = labels[index]!;
		if (labelStart !== expected || labels[index + 2] !== labels[index + 1]! + 1) return false;
		if (index > 0 && text.charCodeAt(labelStart - 1) !== COMMA) return false;
		expected = labels[index + 3]! + 1;
	}
	return line.seriesEnd === expected;
};

/**
 * A series' identity: its name and its labels sorted by name, as written (`name{a="1",b="2"}`), so a
 * series is the same one whatever order or spacing a scrape writes it in. A line already in that
 * form is its own identity; clients put a histogram's `le` last, so its lines are put in order.
 */
const identityOf = (text: string, line: SampleLine): string => {
	const {labels, bounds} = line;
	const order: number[] = [];
	let sorted = true;
	for (let index = 0; index < bounds; index += 4) {
		let at = order.length;
		for (; at > 0 && before(text, labels[index]!, labels[index + 1]!, labels[order[at - 1]!]!, labels[order[at - 1]! + 1]!); at--) {
			order[at] = order[at - 1]!;
			sorted = false;
		}
		order[at] = index;
	}
	if (sorted && isTidy(text, line)) return text.slice(line.nameStart, line.seriesEnd);
	let key = text.slice(line.nameStart, line.nameEnd);
	order.forEach((index, position) => {
		key += `${position === 0 ? '{' : ','}${text.slice(labels[index]!, labels[index + 1]!)}=${text.slice(labels[index + 2]!, labels[index + 3]!)}`;
	});
	return order.length > 0 ? `${key}}` : key;
};

/** A name or label as the sample means it: a quoted one unquoted. */
const nameAt = (text: string, start: number, end: number): string => {
	const raw = text.slice(start, end);
	return raw.charCodeAt(0) === QUOTE ? unquote(raw) : raw;
};

/**
 * Series by their text as written (`name{labels}`): their identity and labels, shared by every
 * scrape that writes the series again. A scrape repeats the last one's series with new values, so
 * a series is read once, not every second.
 */
const seriesByText = new Map<string, {key: string; labels: Readonly<Record<string, string>>}>();
const SERIES_KEPT = 20_000;

/**
 * A copy of a piece of the page that holds no reference to the page: V8 keeps a slice as a view
 * of the string it was cut from, so a kept slice would keep every page it came from alive.
 */
const owned = (piece: string): string => Buffer.from(piece, 'utf16le').toString('utf16le');

/** The sample on a line already read: its labels, value and identity. */
const sampleFrom = (text: string, line: SampleLine, name: string): ExposedSeries => {
	const writtenAs = text.slice(line.nameStart, line.seriesEnd);
	let series = seriesByText.get(writtenAs);
	if (!series) {
		const labels: Record<string, string> = {};
		for (let index = 0; index < line.bounds; index += 4) {
			labels[owned(nameAt(text, line.labels[index]!, line.labels[index + 1]!))] = owned(unquote(text.slice(line.labels[index + 2]!, line.labels[index + 3]!)));
		}
		if (seriesByText.size >= SERIES_KEPT) seriesByText.clear();
		series = {key: owned(identityOf(text, line)), labels};
		seriesByText.set(owned(writtenAs), series);
	}
	return {name, labels: series.labels, value: parseSampleValue(text.slice(line.valueStart, line.valueEnd)), key: series.key};
};

/**
 * Checks every line of an exposition and indexes its samples by name; the samples of a name are
 * made when first asked for. Malformed text comes back with the line and what is wrong with it.
 */
export const parseExposition = (text: string): ParsedExposition => {
	/** Line starts by sample name, as written. */
	const lines = new Map<string, number[]>();
	const line: SampleLine = {nameStart: 0, nameEnd: 0, labels: [], bounds: 0, seriesEnd: 0, valueStart: 0, valueEnd: 0};
	let previousName = '';
	let previousStarts: number[] = [];
	let number = 0;
	for (let start = 0; start < text.length; ) {
		const newline = text.indexOf('\n', start);
		const end = newline === -1 ? text.length : newline;
		number++;
		const first = skipBlanks(text, start, end);
		if (first < end) {
			const comment = text.charCodeAt(first) === HASH;
			const problem = comment ? readComment(text, first, end) : readSample(text, start, end, line);
			if (problem !== undefined) return {ok: false, reason: malformed(problem, text, start, end, number)};
			if (!comment) {
				// A family's lines come together: its name is sliced once, not once a line.
				if (line.nameEnd - line.nameStart !== previousName.length || !text.startsWith(previousName, line.nameStart)) {
					previousName = text.slice(line.nameStart, line.nameEnd);
					previousStarts = lines.get(previousName) ?? [];
					lines.set(previousName, previousStarts);
				}
				previousStarts.push(start);
			}
		}
		start = end + 1;
	}
	const made = new Map<string, ExposedSeries[]>();
	const samples = (name: string): readonly ExposedSeries[] => {
		let series = made.get(name);
		if (series) return series;
		series = [];
		const seen = new Set<string>();
		// A quoted name is indexed with its quotes.
		const starts = lines.get(name) ?? lines.get(quote(name)) ?? [];
		for (let index = 0; index < starts.length; index++) {
			const start = starts[index]!;
			const newline = text.indexOf('\n', start);
			readSample(text, start, newline === -1 ? text.length : newline, line);
			const sample = sampleFrom(text, line, name);
			// A series written twice counts once, as a Prometheus server keeps the first of a scrape.
			if (seen.has(sample.key!)) continue;
			seen.add(sample.key!);
			series.push(sample);
		}
		made.set(name, series);
		return series;
	};
	return {ok: true, exposition: {samples}};
};

/** True when the series carries every wanted label with exactly that value. */
export const hasLabels = (series: ExposedSeries, wanted: Readonly<Record<string, string>> | undefined): boolean => {
	// Asked of every series read, every second: a loop over the keys, without an array of entries each time.
	for (const name in wanted) if (Object.hasOwn(wanted, name) && series.labels[name] !== wanted[name]) return false;
	return true;
};

/** A series' identity: the key its scrape gave it, or the same form made from its labels. */
export const seriesIdentity = (series: ExposedSeries): string => {
	if (series.key !== undefined) return series.key;
	const labels = Object.keys(series.labels)
		.map((label) => [written(label), label] as const)
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
		.map(([label, name]) => `${label}=${quote(series.labels[name]!)}`);
	return `${written(series.name)}${labels.length > 0 ? `{${labels.join(',')}}` : ''}`;
};
