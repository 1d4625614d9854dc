import {describe, expect, it} from 'vitest';
import {createOutputSplitter, MAX_LINE_CHARS} from '../../source/adapters/output-splitter.js';

type Call = {text: string; continues: boolean};

const split = (chunks: string[]): Call[] => {
	const calls: Call[] = [];
	const splitter = createOutputSplitter((text, continues) => calls.push({text, continues}));
	for (const chunk of chunks) splitter.push(chunk);
	splitter.end();
	return calls;
};

/** Cuts a text at random places, as a pipe would (a read takes at most 64 KB). */
const chunked = (text: string, seed: number): string[] => {
	const chunks: string[] = [];
	let state = seed;
	for (let at = 0; at < text.length; ) {
		state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
		const size = 1 + (state % MAX_LINE_CHARS);
		chunks.push(text.slice(at, at + size));
		at += size;
	}
	return chunks;
};

describe('output splitter: whole lines in as few calls as the chunks allow', () => {
	it('given chunks that end mid-line, then each call holds whole lines and the waiting line ends in the next', () => {
		expect(split(['one\ntw', 'o\nthree\nfo', 'ur\n'])).toEqual([
			{text: 'one\n', continues: false},
			{text: 'two\n', continues: false},
			{text: 'three\n', continues: false},
			{text: 'four\n', continues: false},
		]);
	});

	it('given a chunk of many lines, then they come in one call, the very string that arrived', () => {
		const chunk = `${Array.from({length: 1000}, (_, index) => `line ${index}`).join('\n')}\n`;
		const calls = split([chunk]);
		expect(calls).toEqual([{text: chunk, continues: false}]);
		expect(calls[0]?.text).toBe(chunk);
	});

	it('given a last line without its newline, then it comes as it is when the stream ends', () => {
		expect(split(['done\nno newline'])).toEqual([
			{text: 'done\n', continues: false},
			{text: 'no newline', continues: false},
		]);
	});

	it('given one endless line, then it comes in pieces no longer than the bound, and its end with the next line', () => {
		const long = 'x'.repeat(5 * MAX_LINE_CHARS + 17);
		const calls = split(chunked(`${long}\nnext\n`, 7));
		expect(calls.map((call) => call.text).join('')).toBe(`${long}\nnext\n`);
		// The end of the line comes with what waited of it: never more than a piece and a chunk.
		expect(Math.max(...calls.map((call) => call.text.length))).toBeLessThanOrEqual(2 * MAX_LINE_CHARS);
		const pieces = calls.filter((call) => call.continues);
		expect(pieces.length).toBeGreaterThanOrEqual(4);
		for (const piece of pieces) {
			expect(piece.text).not.toContain('\n');
			expect(piece.text.length).toBeLessThanOrEqual(MAX_LINE_CHARS);
		}
		expect(calls.at(-1)?.text.endsWith('next\n')).toBe(true);
	});

	it('given any cut of a text into chunks, then the calls put back together are the text, and every call but a piece ends a line', () => {
		const text = Array.from({length: 3000}, (_, index) => (index % 500 === 0 ? 'y'.repeat(150_000) : `line ${index}`)).join('\n');
		for (const seed of [1, 2, 3]) {
			const calls = split(chunked(text, seed));
			expect(calls.map((call) => call.text).join('')).toBe(text);
			for (const call of calls.slice(0, -1)) if (!call.continues) expect(call.text.endsWith('\n')).toBe(true);
		}
	});
});
