import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {RunbookInput} from '../runbook/schema.js';
import type {BenchTerminal} from './bench-terminal.js';
import type {RowResult} from './figures.js';

/** What every row is given: the built CLI, the terminal to run it in, how often to repeat. */
export type BenchContext = {
	/** The built greenlight, as `npm start` and the tests run it. */
	cli: string;
	terminal: BenchTerminal;
	/** Repetitions per figure (each figure is the median of this many); unset, each row's own default. */
	runs?: number;
	/** A fresh empty folder, removed when the bench ends: a run's sessions never meet another's. */
	scratch(): string;
	log(line: string): void;
};

/** One row (or a pair of rows measured together) of the table: a name and how it is measured. */
export type BenchRow = {id: string; measure: (context: BenchContext) => Promise<RowResult[]>};

// The bench runs from the build (dist/bench/), the CLI beside it in dist/cli/.
export const builtCli = (): string => fileURLToPath(new URL('../cli/main.js', import.meta.url));

export const createScratch = (): {scratch: () => string; dispose: () => void} => {
	const root = mkdtempSync(path.join(os.tmpdir(), 'greenlight-bench-'));
	let count = 0;
	return {
		scratch: () => mkdtempSync(path.join(root, `${++count}-`)),
		dispose: () => rmSync(root, {recursive: true, force: true}),
	};
};

/** Writes a runbook for one measurement into its folder and returns the file. */
export const writeRunbook = (dir: string, runbook: RunbookInput): string => {
	const file = path.join(dir, 'runbook.json');
	writeFileSync(file, `${JSON.stringify(runbook, null, 2)}\n`);
	return file;
};
