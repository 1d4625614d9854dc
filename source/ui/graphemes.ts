import {isNarrow} from './string-width.js';

// The grapheme segmenter Ink's text tokenizers use (slice-ansi and @alcalzone/ansi-tokenize; the
// bundle hands them this one instead of the Intl.Segmenter each builds as it loads, about 20 ms of
// ICU before the first frame). A string of code points each of which is a grapheme of its own — the
// narrow characters of string-width.ts and control characters, without a CR LF pair, the one pair of
// them that is a single grapheme — is segmented here, one code point per grapheme; any other string
// by Intl.Segmenter, built on first need. test/ui/graphemes.test.ts checks every such code point
// against Intl.Segmenter.

type Segment = {segment: string; index: number; input: string};

/** What Intl.Segmenter's segment() returns that the tokenizers use: iteration and containing(). */
type Segments = Iterable<Segment> & {containing(index?: number): Segment | undefined};

const isOwnGrapheme = (code: number): boolean => code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0xad || isNarrow(code);

const oneCodePointEach = (input: string): boolean => {
	for (let index = 0; index < input.length; index += 1) {
		const code = input.charCodeAt(index);
		if (!isOwnGrapheme(code)) return false;
		if (code === 0x0d && input.charCodeAt(index + 1) === 0x0a) return false;
	}
	return true;
};

const at = (input: string, index: number): Segment => ({segment: input[index]!, index, input});

const simpleSegments = (input: string): Segments => ({
	*[Symbol.iterator]() {
		for (let index = 0; index < input.length; index += 1) yield at(input, index);
	},
	// As Intl's: the index is made a whole number (NaN counts as 0); outside the string, nothing.
	containing(index = 0) {
		const whole = Math.trunc(Number(index)) || 0;
		return whole >= 0 && whole < input.length ? at(input, whole) : undefined;
	},
});

let intl: Intl.Segmenter | undefined;

export const graphemeSegmenter = {
	segment(input: string): Segments {
		const text = String(input);
		if (oneCodePointEach(text)) return simpleSegments(text);
		intl ??= new Intl.Segmenter(undefined, {granularity: 'grapheme'});
		return intl.segment(text);
	},
};
