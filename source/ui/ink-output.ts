import {ansiCodesToString, diffAnsiCodes, reduceAnsiCodesIncremental, styledCharsFromTokens, tokenize, type AnsiCode} from '@alcalzone/ansi-tokenize';
import sliceAnsi from 'slice-ansi';
import stringWidth, {isNarrow} from './string-width.js';

// Ink's Output (ink/build/output.js, ink 6.8), the step that turns a frame's writes into the text
// drawn on the terminal, with one change: what it works out is kept from frame to frame. Ink builds
// a grid of styled cells for the whole frame and turns every row back into a string on each render,
// and its caches live for one frame only, so a checklist that ticks its clock once a second paid
// for every row of the screen each time (most of greenlight's CPU while it waits). Here a row whose
// writes are the same as in the last frame reuses the string that frame made, and a row that
// changed is built into the text Ink makes of it. The bundle and the tests put this module in place of
// Ink's own (scripts/bundle-options.mjs, vitest.config.ts); test/ui/ink-output.test.ts holds the two
// to the same output.

type Transformer = (line: string, index: number) => string;
type Clip = {x1?: number; x2?: number; y1?: number; y2?: number};
type Operation = {type: 'write'; x: number; y: number; text: string; transformers: Transformer[]} | {type: 'clip'; clip: Clip} | {type: 'unclip'};

/**
 * What the last two frames used: an entry lives while frames keep using it and goes one frame
 * after they stop. A chart's rows change every second; kept for a thousand rows, as before, they
 * lived long enough to fill V8's old generation and cost a full collection every minute or two.
 */
class FrameCache<V> {
	private current = new Map<string, V>();
	private previous = new Map<string, V>();
	get(key: string): V | undefined {
		let value = this.current.get(key);
		if (value === undefined) {
			value = this.previous.get(key);
			if (value !== undefined) this.current.set(key, value);
		}
		return value;
	}
	set(key: string, value: V): void {
		this.current.set(key, value);
	}
	/** A frame is done: what it did not use is forgotten after the next. */
	nextFrame(): void {
		this.previous = this.current;
		this.current = new Map();
	}
}

// Shared by every frame (Ink makes an Output per frame), kept for the frames that follow.
const widths = new FrameCache<number>();
const styledLines = new FrameCache<Cell[]>();
const rows = new FrameCache<string>();

const widthOf = (text: string): number => {
	let width = widths.get(text);
	if (width === undefined) {
		width = stringWidth(text);
		widths.set(text, width);
	}
	return width;
};

const widestLine = (text: string): number => {
	let widest = 0;
	for (const line of text.split('\n')) widest = Math.max(widest, widthOf(line));
	return widest;
};

/** Styles' codes as one string: two cells need no escape between them when their keys are equal. */
const keyOf = (styles: readonly AnsiCode[]): string => {
	let key = '';
	for (let index = 0; index < styles.length; index++) key += styles[index]!.code;
	return key;
};

/**
 * A cell of the frame: a character, its styles and their codes as one string, and the columns it
 * takes. Every cell is made by this class, so the code that turns a row into text sees one shape
 * of object (cells of several shapes made V8 throw that code's compiled form away again and again).
 */
class Cell {
	readonly key: string;
	readonly width: number;
	constructor(
		readonly value: string,
		readonly styles: AnsiCode[],
		key?: string,
	) {
		this.key = key ?? keyOf(styles);
		this.width = Math.max(1, widthOf(value));
	}
}

/** An empty cell: shared, since no cell is changed once made (Ink makes a new one for each). */
const BLANK = new Cell(' ', []);

const cellsOf = (line: string): Cell[] => {
	let cells = styledLines.get(line);
	if (cells === undefined) {
		cells = styledCharsFromTokens(tokenize(line)).map((character) => new Cell(character.value, character.styles));
		styledLines.set(line, cells);
	}
	return cells;
};

type Piece = {x: number; line: string};

/** A cell's styles and their codes as one string: all that the escapes between two cells depend on. */
type Styled = {readonly key: string; readonly styles: AnsiCode[]};

/** The escapes that take the terminal from one cell's styles to the next's, by their keys: a screen has few such steps. */
const steps = new FrameCache<string>();
const stepBetween = (from: Styled, to: Styled): string => {
	const key = `${from.key}\u0000${to.key}`;
	let step = steps.get(key);
	if (step === undefined) {
		step = ansiCodesToString(diffAnsiCodes(from.styles, to.styles));
		steps.set(key, step);
	}
	return step;
};

/**
 * A written line as a row prints it: its characters with the escapes between its own cells, the
 * styles of its first and last cell (the escapes at its two ends depend on its neighbours), and the
 * columns it takes. Made straight from the line's tokens, as styledCharsFromTokens reads them,
 * without a cell object per character.
 */
type Run = {text: string; first: Styled; last: Styled; columns: number};
const runs = new FrameCache<Run | null>();

/** ansi-tokenize's reading of one colour or style sequence, by its text: a screen uses a handful. */
const styleTokens = new FrameCache<AnsiCode[] | null>();
const tokensOfStyle = (sequence: string): AnsiCode[] | null => {
	let codes = styleTokens.get(sequence);
	if (codes === undefined) {
		const tokens = tokenize(sequence);
		codes = tokens.every((token) => token.type === 'ansi') ? (tokens as AnsiCode[]) : null;
		styleTokens.set(sequence, codes);
	}
	return codes;
};

/** Builds a run cell by cell: the styles each character is drawn with, the escapes where they change. */
class RunBuilder {
	private codes: AnsiCode[] = [];
	private current: Styled | undefined;
	private first: Styled | undefined;
	private previous: Styled | undefined;
	private text = '';
	private columns = 0;

	style(tokens: AnsiCode[]): void {
		this.codes = reduceAnsiCodesIncremental(this.codes, tokens);
		this.current = undefined;
	}

	character(value: string, width: number): void {
		this.current ??= {key: keyOf(this.codes), styles: this.codes};
		if (this.previous === undefined) this.first = this.current;
		else if (this.previous.key !== this.current.key) this.text += stepBetween(this.previous, this.current);
		this.text += value;
		this.columns += width;
		this.previous = this.current;
	}

	done(): Run | null {
		return this.first && this.previous ? {text: this.text, first: this.first, last: this.previous, columns: this.columns} : null;
	}
}

/**
 * A line of narrow characters (string-width.ts: one column, a grapheme each) and colour or style
 * sequences (ESC [ digits and ; m), read without ansi-tokenize's tokens: it makes a grapheme segment
 * and a token object for every character, and a chart's lines change every second (most of what drawing
 * the changed rows allocated). The sequences themselves are still read by ansi-tokenize.
 * Undefined for any other line.
 */
const quickRun = (line: string): Run | null | undefined => {
	const run = new RunBuilder();
	for (let index = 0; index < line.length; index++) {
		const code = line.charCodeAt(index);
		if (code === 0x1b) {
			if (line.charCodeAt(index + 1) !== 0x5b) return undefined;
			let end = index + 2;
			for (let next = line.charCodeAt(end); (next >= 0x30 && next <= 0x39) || next === 0x3b; next = line.charCodeAt(end)) end++;
			if (line.charCodeAt(end) !== 0x6d) return undefined;
			const tokens = tokensOfStyle(line.slice(index, end + 1));
			if (tokens === null) return undefined;
			run.style(tokens);
			index = end;
			continue;
		}
		if (!isNarrow(code)) return undefined;
		run.character(line[index]!, 1);
	}
	return run.done();
};

const runOf = (line: string): Run | null => {
	let run = runs.get(line);
	if (run !== undefined) return run;
	run = quickRun(line);
	if (run === undefined) {
		const builder = new RunBuilder();
		for (const token of tokenize(line)) {
			if (token.type === 'ansi') builder.style([token]);
			else builder.character(token.value, Math.max(1, widthOf(token.value)));
		}
		run = builder.done();
	}
	runs.set(line, run);
	return run;
};

/**
 * The usual row: pieces side by side, left to right, none over another. Its text is the grid's
 * (below) without building the grid: the blanks between pieces, each piece's run, the escapes where
 * two meet. The blanks after the last piece are left out, as trimEnd would drop them. Undefined for
 * any other row (a piece left of the row's start, or over one written before it).
 */
const rowOfRuns = (width: number, pieces: readonly Piece[]): string | undefined => {
	let text = '';
	let previous: Styled = BLANK;
	let cursor = 0;
	for (let index = 0; index < pieces.length; index++) {
		const {x, line} = pieces[index]!;
		const run = runOf(line);
		if (run === null) continue;
		if (x < cursor) return undefined;
		// Cells past the row's end that no piece wrote are holes, which print nothing.
		const blanks = Math.min(x, width) - cursor;
		if (blanks > 0) {
			if (previous.key !== '') text += stepBetween(previous, BLANK);
			text += ' '.repeat(blanks);
			previous = BLANK;
		}
		if (run.first.key !== previous.key) text += stepBetween(previous, run.first);
		text += run.text;
		previous = run.last;
		cursor = x + run.columns;
	}
	if (previous.key !== '') text += stepBetween(previous, BLANK);
	return text.trimEnd();
};

/**
 * One row of the frame, from the pieces written on it in order: Ink's cell grid for that row,
 * turned into text as ansi-tokenize's styledCharsToString does, with the escapes between two
 * cells' styles worked out once per pair of styles instead of once per cell (Ink's way built
 * several Sets and arrays for every cell, most of a waiting checklist's garbage). The text is the same.
 */
const renderRow = (width: number, pieces: readonly Piece[]): string => {
	// An array with holes from the start: a piece that runs past the row's end leaves holes, and a
	// row that became such an array only then made V8 recompile this code.
	const row = new Array<Cell | undefined>(width);
	for (let x = 0; x < width; x++) row[x] = BLANK;
	for (const {x, line} of pieces) {
		let offsetX = x;
		for (const cell of cellsOf(line)) {
			row[offsetX] = cell;
			// Multi-column characters clear the cells they cover, as Ink does.
			for (let index = 1; index < cell.width; index++) row[offsetX + index] = new Cell('', cell.styles, cell.key);
			offsetX += cell.width;
		}
	}
	let text = '';
	let previous = BLANK;
	// Cells past a piece that started beyond the row leave holes, which Ink skips.
	for (const cell of row) {
		if (cell === undefined) continue;
		if (cell.key !== previous.key) text += stepBetween(previous, cell);
		text += cell.value;
		previous = cell;
	}
	if (previous.key !== '') text += stepBetween(previous, BLANK);
	return text.trimEnd();
};

export default class Output {
	width: number;
	height: number;
	private readonly operations: Operation[] = [];

	constructor(options: {width: number; height: number}) {
		this.width = options.width;
		this.height = options.height;
	}

	write(x: number, y: number, text: string, options: {transformers: Transformer[]}): void {
		if (!text) return;
		this.operations.push({type: 'write', x, y, text, transformers: options.transformers});
	}

	clip(clip: Clip): void {
		this.operations.push({type: 'clip', clip});
	}

	unclip(): void {
		this.operations.push({type: 'unclip'});
	}

	get(): {output: string; height: number} {
		// First where each write lands (clipped and transformed as Ink does), row by row…
		const pieces: Piece[][] = Array.from({length: this.height}, () => []);
		const clips: Clip[] = [];
		for (const operation of this.operations) {
			if (operation.type === 'clip') {
				clips.push(operation.clip);
				continue;
			}
			if (operation.type === 'unclip') {
				clips.pop();
				continue;
			}
			const {text, transformers} = operation;
			let {x, y} = operation;
			let lines = text.split('\n');
			const clip = clips.at(-1);
			if (clip) {
				const clipHorizontally = typeof clip.x1 === 'number' && typeof clip.x2 === 'number';
				const clipVertically = typeof clip.y1 === 'number' && typeof clip.y2 === 'number';
				if (clipHorizontally && (x + widestLine(text) < clip.x1! || x > clip.x2!)) continue;
				if (clipVertically && (y + lines.length < clip.y1! || y > clip.y2!)) continue;
				if (clipHorizontally) {
					lines = lines.map((line) => {
						const from = x < clip.x1! ? clip.x1! - x : 0;
						const width = widthOf(line);
						const to = x + width > clip.x2! ? clip.x2! - x : width;
						return sliceAnsi(line, from, to);
					});
					if (x < clip.x1!) x = clip.x1!;
				}
				if (clipVertically) {
					const from = y < clip.y1! ? clip.y1! - y : 0;
					const height = lines.length;
					const to = y + height > clip.y2! ? clip.y2! - y : height;
					lines = lines.slice(from, to);
					if (y < clip.y1!) y = clip.y1!;
				}
			}
			for (const [index, original] of lines.entries()) {
				// Ink stops at the first line that falls outside the frame (it never advances past it).
				const row = pieces[y + index];
				if (!row) break;
				let line = original;
				for (const transformer of transformers) line = transformer(line, index);
				row.push({x, line});
			}
		}
		// …then each row, from the rows earlier frames made wherever its writes are the same.
		const output = pieces.map((written) => {
			const key = `${this.width}\u0000${written.map((piece) => `${piece.x}\u0001${piece.line}`).join('\u0002')}`;
			let text = rows.get(key);
			if (text === undefined) {
				text = rowOfRuns(this.width, written) ?? renderRow(this.width, written);
				rows.set(key, text);
			}
			return text;
		});
		for (const cache of [widths, styledLines, runs, styleTokens, rows, steps]) cache.nextFrame();
		return {output: output.join('\n'), height: this.height};
	}
}
