import realStringWidth from 'string-width';
import {describe, expect, it} from 'vitest';
import stringWidth from '../../source/ui/string-width.js';

// The fast path must count exactly as string-width does: checked for every code point of the BMP
// (alone, and between ASCII letters), and for random strings of the characters a checklist shows.

const bmp = Array.from({length: 0x10000}, (_, codePoint) => codePoint).filter((codePoint) => codePoint < 0xd800 || codePoint > 0xdfff);

describe('string width with a fast path for narrow characters', () => {
	it('given any character of the basic multilingual plane, alone or between letters, then the width is string-width\'s', () => {
		const differing = bmp.filter((codePoint) => {
			const character = String.fromCodePoint(codePoint);
			return stringWidth(character) !== realStringWidth(character) || stringWidth(`a${character}b`) !== realStringWidth(`a${character}b`);
		});
		expect(differing.map((codePoint) => `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`)).toEqual([]);
	});

	it('given random lines of checklist characters, emoji, CJK, marks and escapes among them, then each width is string-width\'s', () => {
		const pieces = ['✓ passed', '✗', '○', '▶', '·', 'Größe', '⠙', '≤ 300 ms', '→', '─┼', '€', 'é', '👍', '中文', 'e\u0301', '\u001b[32m', '\u001b[39m', '↩', '◼', '\u200b', '\t', 'x'];
		let seed = 42;
		const next = () => {
			seed = (seed * 1103515245 + 12345) % 2 ** 31;
			return seed;
		};
		for (let line = 0; line < 2000; line += 1) {
			const text = Array.from({length: 1 + (next() % 12)}, () => pieces[next() % pieces.length]).join('');
			expect(stringWidth(text), JSON.stringify(text)).toBe(realStringWidth(text));
		}
	});

	it('given ambiguous characters counted wide, then string-width decides: ± is 2 columns there', () => {
		expect(stringWidth('±', {ambiguousIsNarrow: false})).toBe(realStringWidth('±', {ambiguousIsNarrow: false}));
		expect(stringWidth('±', {ambiguousIsNarrow: false})).toBe(2);
	});
});
