// The TOML the fake fly reads from fly.toml: tables, arrays of tables, dotted keys, strings
// (basic, literal, multi-line), integers, floats, booleans, arrays and inline tables. Dates and
// times are refused, as is anything else it does not know, with the line, so a rehearsal never
// runs on a config it half understood. (flyctl reads fly.toml with pelletier/go-toml.)

export type TomlValue = string | number | boolean | TomlValue[] | TomlTable;
export type TomlTable = {[key: string]: TomlValue};

export class TomlError extends Error {}

const isTable = (value: TomlValue | undefined): value is TomlTable => typeof value === 'object' && value !== null && !Array.isArray(value);

const escapes: Record<string, string> = {b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\'};

/** Parses TOML text into plain objects. */
export const parseToml = (text: string): TomlTable => {
	const root: TomlTable = {};
	let position = 0;
	const line = () => text.slice(0, position).split('\n').length;
	const fail = (message: string): never => {
		throw new TomlError(`toml: line ${line()}: ${message}`);
	};
	const peek = (length = 1) => text.slice(position, position + length);
	/** Spaces and tabs; with `newlines`, also line breaks and comments (inside arrays). */
	const skip = (newlines = false) => {
		while (position < text.length) {
			const char = text[position] as string;
			if (char === ' ' || char === '\t' || (newlines && (char === '\n' || char === '\r'))) position += 1;
			else if (newlines && char === '#') while (position < text.length && text[position] !== '\n') position += 1;
			else break;
		}
	};
	const endOfLine = () => {
		skip();
		if (peek() === '#') while (position < text.length && text[position] !== '\n') position += 1;
		if (peek() === '\r') position += 1;
		if (position < text.length && peek() !== '\n') fail(`expected the end of the line, found ${JSON.stringify(peek())}`);
		position += 1;
	};

	const basicString = (): string => {
		const multi = peek(3) === '"""';
		position += multi ? 3 : 1;
		if (multi && peek() === '\n') position += 1;
		let value = '';
		while (true) {
			if (position >= text.length) fail('unterminated string');
			if (multi ? peek(3) === '"""' : peek() === '"') {
				position += multi ? 3 : 1;
				return value;
			}
			const char = text[position] as string;
			if (char === '\n' && !multi) fail('a string ends at the end of its line');
			if (char !== '\\') {
				value += char;
				position += 1;
				continue;
			}
			const next = text[position + 1] as string;
			if (multi && (next === '\n' || next === ' ' || next === '\r')) {
				position += 1;
				while (/[\s]/.test(text[position] ?? '')) position += 1;
				continue;
			}
			if (next === 'u' || next === 'U') {
				const digits = text.slice(position + 2, position + (next === 'u' ? 6 : 10));
				if (!/^[0-9a-fA-F]+$/.test(digits)) fail(`invalid unicode escape \\${next}${digits}`);
				value += String.fromCodePoint(Number.parseInt(digits, 16));
				position += 2 + digits.length;
				continue;
			}
			const replaced = escapes[next];
			if (replaced === undefined) fail(`invalid escape \\${next}`);
			value += replaced;
			position += 2;
		}
	};

	const literalString = (): string => {
		const multi = peek(3) === "'''";
		position += multi ? 3 : 1;
		if (multi && peek() === '\n') position += 1;
		const end = text.indexOf(multi ? "'''" : "'", position);
		if (end === -1) fail('unterminated string');
		const value = text.slice(position, end);
		if (!multi && value.includes('\n')) fail('a string ends at the end of its line');
		position = end + (multi ? 3 : 1);
		return value;
	};

	const key = (): string[] => {
		const parts: string[] = [];
		while (true) {
			skip();
			const char = peek();
			if (char === '"') parts.push(basicString());
			else if (char === "'") parts.push(literalString());
			else {
				const match = /^[A-Za-z0-9_-]+/.exec(text.slice(position));
				if (!match) fail(`expected a key, found ${JSON.stringify(char)}`);
				parts.push((match as RegExpExecArray)[0]);
				position += (match as RegExpExecArray)[0].length;
			}
			skip();
			if (peek() !== '.') return parts;
			position += 1;
		}
	};

	const value = (): TomlValue => {
		skip();
		const char = peek();
		if (char === '"') return basicString();
		if (char === "'") return literalString();
		if (char === '[') {
			position += 1;
			const items: TomlValue[] = [];
			while (true) {
				skip(true);
				if (peek() === ']') {
					position += 1;
					return items;
				}
				items.push(value());
				skip(true);
				if (peek() === ',') position += 1;
				else if (peek() !== ']') fail(`expected "," or "]" in an array, found ${JSON.stringify(peek())}`);
			}
		}
		if (char === '{') {
			position += 1;
			const table: TomlTable = {};
			skip();
			if (peek() === '}') {
				position += 1;
				return table;
			}
			while (true) {
				assign(table, key());
				skip();
				if (peek() === '}') {
					position += 1;
					return table;
				}
				if (peek() !== ',') fail(`expected "," or "}" in an inline table, found ${JSON.stringify(peek())}`);
				position += 1;
			}
		}
		const word = /^[^\s,\]}#]+/.exec(text.slice(position))?.[0] ?? '';
		position += word.length;
		if (word === 'true') return true;
		if (word === 'false') return false;
		if (/^[+-]?(0|[1-9](_?\d)*)$/.test(word)) return Number(word.replaceAll('_', ''));
		if (/^0x[0-9a-fA-F_]+$/.test(word)) return Number.parseInt(word.slice(2).replaceAll('_', ''), 16);
		if (/^[+-]?(0|[1-9](_?\d)*)(\.\d(_?\d)*)?([eE][+-]?\d(_?\d)*)?$/.test(word)) return Number(word.replaceAll('_', ''));
		if (/^\d{4}-\d{2}-\d{2}/.test(word) || /^\d{2}:\d{2}/.test(word)) fail(`dates and times are not supported here: ${word}`);
		return fail(`invalid value ${JSON.stringify(word || char)}`);
	};

	/** Reads "= value" after a key and stores it under the (dotted) key in `table`. */
	const assign = (table: TomlTable, path: string[]) => {
		skip();
		if (peek() !== '=') fail(`expected "=" after ${path.join('.')}`);
		position += 1;
		const parsed = value();
		let target = table;
		for (const part of path.slice(0, -1)) {
			const existing = target[part];
			if (existing === undefined) target[part] = {};
			else if (!isTable(existing)) fail(`${path.join('.')}: ${part} is not a table`);
			target = target[part] as TomlTable;
		}
		const last = path.at(-1) as string;
		if (last in target) fail(`${path.join('.')} is defined twice`);
		target[last] = parsed;
	};

	/** The table a [header] or [[header]] opens, made on the way. */
	const open = (path: string[], arrayOfTables: boolean): TomlTable => {
		let target = root;
		for (const [index, part] of path.entries()) {
			const last = index === path.length - 1;
			let existing = target[part];
			if (last && arrayOfTables) {
				if (existing === undefined) existing = target[part] = [];
				if (!Array.isArray(existing)) fail(`[[${path.join('.')}]]: ${part} is not an array of tables`);
				const table: TomlTable = {};
				(existing as TomlValue[]).push(table);
				return table;
			}
			if (existing === undefined) existing = target[part] = {};
			// A dotted header walks into the latest table of an array of tables, as TOML says.
			if (Array.isArray(existing)) existing = existing.at(-1);
			if (!isTable(existing)) fail(`[${path.join('.')}]: ${part} is not a table`);
			target = existing as TomlTable;
		}
		return target;
	};

	let current = root;
	while (position < text.length) {
		skip(true);
		if (position >= text.length) break;
		if (peek(2) === '[[') {
			position += 2;
			const path = key();
			if (peek(2) !== ']]') fail('expected "]]" to close the table header');
			position += 2;
			current = open(path, true);
		} else if (peek() === '[') {
			position += 1;
			const path = key();
			if (peek() !== ']') fail('expected "]" to close the table header');
			position += 1;
			current = open(path, false);
		} else {
			assign(current, key());
		}
		endOfLine();
	}
	return root;
};
