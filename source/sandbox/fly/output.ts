import type {FlyResult} from './command.js';

// How the fake fly prints: flyctl's tab-separated tables, indented JSON and "Error: " lines.

export const table = (headers: string[], rows: string[][]): string => {
	const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
	const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('\t').trimEnd();
	return [line(headers), ...rows.map(line)].join('\n');
};

/** JSON as flyctl's render.JSON writes it (internal/render/render.go): indented by four spaces, one trailing newline. */
export const pretty = (value: unknown) => `${JSON.stringify(value, null, 4)}\n`;

/** An object with its keys sorted, as Go's encoding/json writes a map. */
export const sortedKeys = <T>(value: Record<string, T>): Record<string, T> =>
	Object.fromEntries(Object.entries(value).sort(([first], [second]) => (first < second ? -1 : first > second ? 1 : 0)));

/** Lines as a command prints them, each ended by a newline. */
export const printLines = (lines: readonly string[]): string => `${lines.join('\n')}\n`;

export const succeeded = (stdout: string): FlyResult => ({exitCode: 0, stdout, stderr: ''});

export const failedWith = (message: string, stdout = ''): FlyResult => ({exitCode: 1, stdout, stderr: `Error: ${message}\n`});
