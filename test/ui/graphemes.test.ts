import {describe, expect, it} from 'vitest';
import {graphemeSegmenter} from '../../source/ui/graphemes.js';
import {randomLines} from '../helpers/random-lines.js';

// The fast path must segment exactly as Intl.Segmenter does: checked for every code point of the BMP
// (doubled, between letters, after CR), for random lines of what a checklist shows, and for containing().

const intl = new Intl.Segmenter(undefined, {granularity: 'grapheme'});
const plain = (segments: Iterable<{segment: string; index: number}>) => [...segments].map(({segment, index}) => [segment, index]);
const same = (text: string) => JSON.stringify(plain(graphemeSegmenter.segment(text))) === JSON.stringify(plain(intl.segment(text)));
const bmp = Array.from({length: 0x10000}, (_, codePoint) => codePoint).filter((codePoint) => codePoint < 0xd800 || codePoint > 0xdfff);

describe('grapheme segmentation with a fast path for narrow characters', () => {
	it('given any character of the basic multilingual plane, doubled, between letters or after a CR, then the graphemes are Intl.Segmenter\'s', () => {
		const differing = bmp.filter((codePoint) => {
			const character = String.fromCodePoint(codePoint);
			return ![character + character, `a${character}b`, `\r${character}`, `${character}\n`].every(same);
		});
		expect(differing.map((codePoint) => `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`)).toEqual([]);
	});

	it('given random lines of checklist characters with CR LF, marks, emoji, CJK and escapes among them, then the graphemes and containing() are Intl.Segmenter\'s', () => {
		const pieces = ['✓ passed', '✗', '▶', '·', 'Größe', '⠙', '≤ 300 ms', '─┼', '\r\n', '\r', '\n', 'e\u0301', '👍', '👩\u200d💻', '🇩🇪', '中文', '\u001b[32m', '\u001b]8;;x\u0007', '\u00ad', '\t', 'x'];
		for (const text of randomLines(pieces, {seed: 7, maxPieces: 10})) {
			expect(same(text), JSON.stringify(text)).toBe(true);
			const ours = graphemeSegmenter.segment(text);
			const theirs = intl.segment(text);
			// Every index of the line, one past its end, and what Intl makes whole: -1, NaN, 1.7.
			for (const index of [...Array.from({length: text.length + 1}, (_, at) => at), -1, Number.NaN, 1.7]) {
				const a = ours.containing(index);
				const b = theirs.containing(index);
				expect(a && [a.segment, a.index, a.input], `${JSON.stringify(text)} containing(${index})`).toEqual(b && [b.segment, b.index, b.input]);
			}
		}
	});

	it('given a line of narrow characters, then it is segmented one code point each, without Intl; any other line by Intl', () => {
		const line = '✓ Größe ≤ 300 ms ─ ⠙ ▶';
		expect(plain(graphemeSegmenter.segment(line))).toEqual([...line].map((character, index) => [character, index]));
		const intlSegments = Object.getPrototypeOf(intl.segment('x')) as object;
		expect(Object.getPrototypeOf(graphemeSegmenter.segment(line))).not.toBe(intlSegments);
		expect(Object.getPrototypeOf(graphemeSegmenter.segment('e\u0301 \r\n'))).toBe(intlSegments);
	});
});
