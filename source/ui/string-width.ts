import {createRequire} from 'node:module';
import type realStringWidthType from 'string-width';

// string-width, as Ink and its wrapping measure every line, with a fast path for what a checklist
// shows: ASCII, accented Latin (Größe), and the single-column symbols of the screen (✓ ✗ ○ ▶ · …,
// box drawing, braille spinners, arrows, ≤). string-width itself segments every string that is not
// plain ASCII into graphemes and tests each against \p{RGI_Emoji}, a regular expression V8 takes about
// 36 ms to compile on first use, before the first frame. A string of code points from the ranges below
// is as wide as it is long in code points (none of them joins a grapheme with another or is wide:
// test/ui/string-width.test.ts checks every one against string-width); anything else — an emoji, CJK,
// a combining mark, an escape sequence — is measured by string-width itself, loaded on first need:
// as it loads it builds that expression and an Intl.Segmenter (together about 30 ms), which a first
// frame of narrow characters never needs.

type StringWidth = typeof realStringWidthType;
let loaded: StringWidth | undefined;
const realStringWidth: StringWidth = (input, options) => {
	// In the bundle esbuild turns this require into a lazy start of the bundled string-width; run from
	// source (the tests, as ES modules without a require) Node's own require loads it.
	loaded ??= (typeof require === 'function' ? (require('string-width') as {default: StringWidth}) : (createRequire(import.meta.url)('string-width') as {default: StringWidth})).default;
	return loaded(input, options);
};

/** [first, last] code point ranges, each one column wide and never part of a longer grapheme. */
const NARROW: ReadonlyArray<readonly [number, number]> = [
	[0x20, 0x7e],
	[0xa0, 0xac], // Latin-1 punctuation (U+00AD, the soft hyphen, is invisible)
	[0xae, 0x2ff], // Latin-1 letters, Latin Extended-A/B, IPA, spacing modifiers (combining marks start at U+0300)
	[0x370, 0x482], // Greek, Cyrillic (U+0483–U+0489 are combining)
	[0x48a, 0x52f],
	[0x1e00, 0x1fff], // Latin Extended Additional, Greek Extended
	[0x2010, 0x2029], // dashes, quotes, bullets, … (U+200B–U+200F are zero-width)
	[0x202f, 0x205f], // per mille, primes, ‹ › (U+2060 on are invisible)
	[0x2070, 0x20c0], // super- and subscripts, currency: € …
	[0x2100, 0x2319], // letterlike symbols, arrows ← → ↔, mathematical operators ≤ ≥ ± ×, ⌘ (⌚ ⌛ are emoji)
	[0x231c, 0x2328],
	[0x232b, 0x23e8],
	[0x2500, 0x25fc], // box drawing, blocks, geometric shapes: ▶ ◀ ○ ● (◽ ◾ are emoji)
	[0x25ff, 0x2613],
	[0x270c, 0x2727], // dingbats: ✓ ✗ ✕ (✅ ✨ ❌ are emoji)
	[0x2800, 0x28ff], // braille: the spinner
];

/** The table as first, last, first, last…: read by index, as the first frame reads it before V8 optimises anything. */
const BOUNDS: readonly number[] = NARROW.flat();

/** Whether a code point is in the table above: one column, and a grapheme of its own. */
export const isNarrow = (codePoint: number): boolean => {
	// Asked for every character drawn, mostly before V8 optimises it: ASCII first, then the table by
	// index (a for…of destructuring each range was the function most sampled in the first frame's commit).
	if (codePoint >= 0x20 && codePoint <= 0x7e) return true;
	for (let index = 0; index < BOUNDS.length; index += 2) {
		if (codePoint < BOUNDS[index]!) return false;
		if (codePoint <= BOUNDS[index + 1]!) return true;
	}
	return false;
};

/**
 * Where the control sequence (CSI: ESC [, parameter bytes, intermediate bytes, a final byte) that
 * starts at `index` ends, as ansi-regex (string-width's strip-ansi) reads one; -1 when none starts
 * there or it is not complete. Colours and styles (ESC [ 1;31 m) are such sequences: they take no
 * column.
 */
const csiEnd = (input: string, index: number): number => {
	if (input.charCodeAt(index + 1) !== 0x5b) return -1;
	let at = index + 2;
	while (at < input.length && input.charCodeAt(at) >= 0x30 && input.charCodeAt(at) <= 0x3f) at += 1;
	while (at < input.length && input.charCodeAt(at) >= 0x20 && input.charCodeAt(at) <= 0x2f) at += 1;
	const final = input.charCodeAt(at);
	return final >= 0x40 && final <= 0x7e ? at : -1;
};

/** Columns a string takes, as string-width counts them (same options); quicker for the narrow characters above. */
const stringWidth = (input: string, options?: Parameters<typeof realStringWidth>[1]): number => {
	// Wide ambiguous characters (± × ─ …, an East Asian terminal's way) are string-width's to count.
	if (typeof input !== 'string' || options?.ambiguousIsNarrow === false) return realStringWidth(input, options);
	let width = 0;
	for (let index = 0; index < input.length; index += 1) {
		const code = input.charCodeAt(index);
		// A colour or style (a complete CSI sequence) takes no column, unless escape codes are to be counted.
		if (code === 0x1b && !options?.countAnsiEscapeCodes) {
			const end = csiEnd(input, index);
			if (end === -1) return realStringWidth(input, options);
			index = end;
			continue;
		}
		// Surrogates (astral characters) and everything outside the table go to string-width whole.
		if (!isNarrow(code)) return realStringWidth(input, options);
		width += 1;
	}
	return width;
};

export default stringWidth;
