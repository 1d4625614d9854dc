import {createRequire} from 'node:module';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {beforeAll, describe, expect, test} from 'vitest';
import Output from '../../source/ui/ink-output.js';
import stringWidth, {isNarrow} from '../../source/ui/string-width.js';

// greenlight's Output stands in for Ink's own in every frame, so it must draw exactly what Ink's
// draws: the same writes, clips and transformers give the same text, frame after frame, including
// when a later frame reuses rows an earlier one made.

type Writes = (output: {write: Output['write']; clip: Output['clip']; unclip: Output['unclip']}) => void;
type OutputClass = new (options: {width: number; height: number}) => Output;

let InksOutput: OutputClass;
beforeAll(async () => {
	// Ink's own module, by its file: the package exports only its entry point.
	const inkEntry = createRequire(import.meta.url).resolve('ink');
	InksOutput = ((await import(pathToFileURL(path.join(path.dirname(inkEntry), 'output.js')).href)) as {default: OutputClass}).default;
});

const draw = (Kind: OutputClass, width: number, height: number, writes: Writes) => {
	const output = new Kind({width, height});
	writes(output);
	return output.get();
};

/** Styles as the terminal gets them (chalk would print none without a TTY). */
const sgr = (open: string, close: string) => (text: string) => `\u001B[${open}m${text}\u001B[${close}m`;
const chalk = {red: sgr('31', '39'), green: sgr('32', '39'), bold: sgr('1', '22'), dim: sgr('2', '22'), inverse: sgr('7', '27'), bgBlue: sgr('44', '49')};
const colours = [chalk.red, (text: string) => chalk.green(chalk.bold(text)), chalk.bgBlue, chalk.dim, chalk.inverse, (text: string) => text];
/** A deterministic pseudo-random sequence, so a failure can be replayed. */
const random = (seed: number) => () => {
	seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
	return seed / 2_147_483_648;
};
const words = ['greenlight', 'p95 312 ms', '✓', '✗ fail', 'Größe', '日本語', '▶', '⠋', ' ', '│', '—', 'weight 20 %'];

const randomFrame = (next: () => number, width: number, height: number): Writes => {
	const pick = <T,>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
	const operations = Array.from({length: 4 + Math.floor(next() * 12)}, () => {
		const lines = Array.from({length: 1 + Math.floor(next() * 3)}, () =>
			Array.from({length: 1 + Math.floor(next() * 4)}, () => pick(colours)(pick(words))).join(''),
		);
		return {
			x: Math.floor(next() * width) - 2,
			y: Math.floor(next() * (height + 2)) - 1,
			text: lines.join('\n'),
			clip: next() < 0.3 ? {x1: Math.floor(next() * width), x2: Math.floor(next() * width) + 5, y1: Math.floor(next() * height), y2: Math.floor(next() * height) + 2} : undefined,
			transform: next() < 0.3,
		};
	});
	return (output) => {
		for (const operation of operations) {
			if (operation.clip) output.clip(operation.clip);
			output.write(operation.x, operation.y, operation.text, {transformers: operation.transform ? [(line: string, index: number) => `${index}:${line.toUpperCase()}`] : []});
			if (operation.clip) output.unclip();
		}
	};
};

describe("greenlight's Output against Ink's", () => {
	test('a checklist-like frame: coloured lines, a wide character, an empty write', () => {
		const writes: Writes = (output) => {
			output.write(0, 0, `${chalk.bold('greenlight')} · Release 2.4.0 · 12s`, {transformers: []});
			output.write(0, 1, `${chalk.green('✓ passed')}  Health-Checks  ${chalk.dim('3.1 s')}`, {transformers: []});
			output.write(2, 2, '日本語 und Größe', {transformers: []});
			output.write(0, 3, '', {transformers: []});
			output.write(0, 4, `${chalk.red('✗ fail')} p95 312 ms > 300 ms\n${chalk.inverse(' Enter ')} confirm`, {transformers: []});
		};
		const ours = draw(Output, 60, 7, writes);
		expect(ours).toEqual(draw(InksOutput, 60, 7, writes));
		expect(ours.output.split('\n')[2]).toBe('  日本語 und Größe');
	});

	test('writes outside the frame, clipped or transformed, 300 random frames, each drawn twice', () => {
		const next = random(42);
		for (let frame = 0; frame < 300; frame++) {
			const width = 10 + Math.floor(next() * 50);
			const height = 1 + Math.floor(next() * 8);
			const writes = randomFrame(next, width, height);
			const expected = draw(InksOutput, width, height, writes);
			// The first time builds every row, the second reuses what the first made.
			expect(draw(Output, width, height, writes), `frame ${frame}`).toEqual(expected);
			expect(draw(Output, width, height, writes), `frame ${frame} again`).toEqual(expected);
		}
	});

	test('rows of pieces side by side, as a checklist draws them: gaps, adjacent styles, past the edge, 300 random frames', () => {
		const next = random(7);
		const pick = <T,>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
		for (let frame = 0; frame < 300; frame++) {
			const width = 10 + Math.floor(next() * 50);
			const height = 1 + Math.floor(next() * 6);
			const rows = Array.from({length: height}, () => {
				const pieces: Array<{x: number; text: string}> = [];
				let x = Math.floor(next() * 4);
				while (x < width + 4 && pieces.length < 6) {
					const text = Array.from({length: 1 + Math.floor(next() * 3)}, () => pick(colours)(pick(words))).join(next() < 0.3 ? chalk.dim('·') : '');
					pieces.push({x, text});
					// Next to it, after a gap, or (now and then) over its end.
					x += stringWidth(text) + Math.floor(next() * 3) * Math.floor(next() * 4) - (next() < 0.1 ? 2 : 0);
				}
				return pieces;
			});
			const writes: Writes = (output) => rows.forEach((pieces, y) => pieces.forEach(({x, text}) => output.write(x, y, text, {transformers: []})));
			const expected = draw(InksOutput, width, height, writes);
			expect(draw(Output, width, height, writes), `frame ${frame}`).toEqual(expected);
			expect(draw(Output, width, height, writes), `frame ${frame} again`).toEqual(expected);
		}
	});

	test('every narrow character, and escapes of every kind among them, read as Ink reads them', () => {
		const narrow = Array.from({length: 0x10000}, (_, codePoint) => codePoint).filter(isNarrow).map((codePoint) => String.fromCodePoint(codePoint));
		const escapes = ['\u001b[1;31m', '\u001b[38;5;208m', '\u001b[38;2;10;20;30m', '\u001b[m', '\u001b[0m', '\u001b[22m', '\u001b[2K', '\u001b[', '\u001b[12', '\u001b]8;;https://x\u0007', '\u001b7', '\u009b31m', 'e\u0301', '日本'];
		const lines: string[] = [];
		for (let at = 0; at < narrow.length; at += 40) {
			const chunk = narrow.slice(at, at + 40);
			lines.push(`${chalk.green(chunk.slice(0, 20).join(''))}${chunk.slice(20).join('')}`, chunk.map((character, index) => (index % 7 === 0 ? chalk.bold(character) : character)).join(''));
		}
		for (const escape of escapes) lines.push(`ab${escape}cd`, `${chalk.red(`x${escape}y`)}z`, `${escape}${chalk.inverse('─┼')}${escape}`);
		for (const [index, line] of lines.entries()) {
			const writes: Writes = (output) => {
				output.write(0, 0, line, {transformers: []});
				output.write(3, 1, `${chalk.dim('│')}${line}`, {transformers: []});
				// A piece just after it: drawn in the right column only if the line's width was read right.
				output.write(4 + stringWidth(line) + 1, 1, chalk.red('|'), {transformers: []});
			};
			expect(draw(Output, 90, 2, writes), `line ${index}: ${JSON.stringify(line)}`).toEqual(draw(InksOutput, 90, 2, writes));
		}
	});

	test('styles side by side: the same, another colour with the same end code, one more, one less, a reset', () => {
		const cyan = sgr('36', '39');
		const writes: Writes = (output) => {
			output.write(0, 0, `${chalk.red('ab')}${chalk.red('cd')}${chalk.green('ef')}${cyan('gh')}x`, {transformers: []});
			output.write(0, 1, `${chalk.bold(chalk.red('a'))}${chalk.red('b')}${chalk.dim(chalk.red('c'))}${chalk.bold(chalk.dim('d'))}${chalk.dim('e')}`, {transformers: []});
			output.write(0, 2, `${chalk.bgBlue(chalk.red('a'))}${chalk.bgBlue(chalk.green('b'))}${chalk.green('c')}`, {transformers: []});
			output.write(3, 2, chalk.inverse('z'), {transformers: []});
		};
		expect(draw(Output, 12, 3, writes)).toEqual(draw(InksOutput, 12, 3, writes));
	});

	test('a row that changes between frames is drawn anew, the rows beside it come from the last frame', () => {
		const frame = (clock: string): Writes => (output) => {
			output.write(0, 0, `greenlight · ${chalk.dim(clock)}`, {transformers: []});
			output.write(0, 1, chalk.green('✓ Health-Checks'), {transformers: []});
		};
		for (const clock of ['1s', '2s', '3s', '2s']) expect(draw(Output, 30, 2, frame(clock))).toEqual(draw(InksOutput, 30, 2, frame(clock)));
	});
});
