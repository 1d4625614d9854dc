import realStringWidth from 'string-width';
import {describe, expect, it} from 'vitest';
import stringWidth from '../../source/ui/string-width.js';
import {randomLines} from '../helpers/random-lines.js';

// The fast path must count exactly as string-width does: checked for every code point of the BMP
// (alone, and between ASCII letters), and for random strings of the characters a checklist shows.

const bmp = Array.from({length: 0x10000}, (_, codePoint) => codePoint).filter((codePoint) => codePoint < 0xd800 || codePoint > 0xdfff);

// Colours and styles as Ink writes them, other control sequences, and broken ones.
const escapes = ['\u001b[1;31m', '\u001b[38;5;208m', '\u001b[38;2;10;20;30m', '\u001b[m', '\u001b[0m', '\u001b[2K', '\u001b[?25l', '\u001b[ q', '\u001b[', '\u001b[12', '\u001b[1;', '\u001b]8;;https://x\u0007', '\u001b7', '\u001b', '\u009b31m'];

describe('string width with a fast path for narrow characters', () => {
	it('given colours and other escape sequences, complete, broken or counted, then each width is string-width\'s', () => {
		for (const escape of escapes) {
			for (const text of [escape, `a${escape}b`, `✓ ${escape}Größe${escape}`, `${escape}${escape}x`]) {
				expect(stringWidth(text), JSON.stringify(text)).toBe(realStringWidth(text));
				expect(stringWidth(text, {countAnsiEscapeCodes: true}), JSON.stringify(text)).toBe(realStringWidth(text, {countAnsiEscapeCodes: true}));
			}
		}
	});

	it('given any character of the basic multilingual plane, alone or between letters, then the width is string-width\'s', () => {
		const differing = bmp.filter((codePoint) => {
			const character = String.fromCodePoint(codePoint);
			return stringWidth(character) !== realStringWidth(character) || stringWidth(`a${character}b`) !== realStringWidth(`a${character}b`);
		});
		expect(differing.map((codePoint) => `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`)).toEqual([]);
	});

	it('given random lines of checklist characters, emoji, CJK, marks and escapes among them, then each width is string-width\'s', () => {
		const pieces = ['✓ passed', '✗', '○', '▶', '·', 'Größe', '⠙', '≤ 300 ms', '→', '─┼', '€', 'é', '👍', '中文', 'e\u0301', '\u001b[32m', '\u001b[39m', '↩', '◼', '\u200b', '\t', 'x', ...escapes];
		for (const text of randomLines(pieces, {seed: 42, maxPieces: 12})) {
			expect(stringWidth(text), JSON.stringify(text)).toBe(realStringWidth(text));
		}
	});

	it('given ambiguous characters counted wide, then string-width decides: ± is 2 columns there', () => {
		expect(stringWidth('±', {ambiguousIsNarrow: false})).toBe(realStringWidth('±', {ambiguousIsNarrow: false}));
		expect(stringWidth('±', {ambiguousIsNarrow: false})).toBe(2);
	});
});
