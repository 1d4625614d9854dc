import {styledCharsFromTokens, styledCharsToString, tokenize, type StyledChar} from '@alcalzone/ansi-tokenize';
import sliceAnsi from 'slice-ansi';
import stringWidth from './string-width.js';

// Ink's Output (ink/build/output.js, ink 6.8), the step that turns a frame's writes into the text
// drawn on the terminal, with one change: what it works out is kept from frame to frame. Ink builds
// a grid of styled cells for the whole frame and turns every row back into a string on each render,
// and its caches live for one frame only, so a checklist that ticks its clock once a second paid
// for every row of the screen each time (most of greenlight's CPU while it waits). Here a row whose
// writes are the same as in an earlier frame reuses the string that frame made, and a row that
// changed is built exactly as Ink builds it. The bundle and the tests put this module in place of
// Ink's own (scripts/bundle-options.mjs, vitest.config.ts); test/ui/ink-output.test.ts holds the two
// to the same output.

type Transformer = (line: string, index: number) => string;
type Clip = {x1?: number; x2?: number; y1?: number; y2?: number};
type Operation = {type: 'write'; x: number; y: number; text: string; transformers: Transformer[]} | {type: 'clip'; clip: Clip} | {type: 'unclip'};

/** A Map that forgets its oldest entries past a bound, so a long session's caches stay small. */
class Bounded<V> {
	private readonly entries = new Map<string, V>();
	constructor(private readonly limit: number) {}
	get(key: string): V | undefined {
		return this.entries.get(key);
	}
	set(key: string, value: V): void {
		if (this.entries.size >= this.limit) {
			// Maps keep insertion order: drop the oldest tenth at once rather than one per insert.
			let drop = Math.ceil(this.limit / 10);
			for (const old of this.entries.keys()) {
				this.entries.delete(old);
				if (--drop === 0) break;
			}
		}
		this.entries.set(key, value);
	}
}

// Shared by every frame. Rows: a few screens' worth (the checklist, the help, a step's detail).
const widths = new Bounded<number>(4096);
const styledLines = new Bounded<StyledChar[]>(1024);
const rows = new Bounded<string>(1024);

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

const styledCharsOf = (line: string): StyledChar[] => {
	let chars = styledLines.get(line);
	if (chars === undefined) {
		chars = styledCharsFromTokens(tokenize(line));
		styledLines.set(line, chars);
	}
	return chars;
};

type Piece = {x: number; line: string};

/** One row of the frame, from the pieces written on it in order: Ink's cell grid for that row, as a string. */
const renderRow = (width: number, pieces: readonly Piece[]): string => {
	const row: Array<StyledChar | undefined> = [];
	for (let x = 0; x < width; x++) row.push({type: 'char', value: ' ', fullWidth: false, styles: []});
	for (const {x, line} of pieces) {
		let offsetX = x;
		for (const character of styledCharsOf(line)) {
			row[offsetX] = character;
			// Multi-column characters clear the cells they cover, as Ink does.
			const characterWidth = Math.max(1, widthOf(character.value));
			for (let index = 1; index < characterWidth; index++) row[offsetX + index] = {type: 'char', value: '', fullWidth: false, styles: character.styles};
			offsetX += characterWidth;
		}
	}
	return styledCharsToString(row.filter((item): item is StyledChar => item !== undefined)).trimEnd();
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
				text = renderRow(this.width, written);
				rows.set(key, text);
			}
			return text;
		});
		return {output: output.join('\n'), height: this.height};
	}
}
