import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {packageRoot} from '../adapters/package-root.js';
import type {RunbookInput} from '../runbook/schema.js';
import type {BenchTerminal, Pane} from './bench-terminal.js';
import type {RowResult} from './figures.js';
import {waitForExit} from './process-stats.js';

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

/** The built greenlight, as `npm start` and the tests run it. */
export const builtCli = (): string => path.join(packageRoot(), 'dist', 'cli', 'main.js');

export const createScratch = (): {scratch: () => string; dispose: () => void} => {
	const root = mkdtempSync(path.join(os.tmpdir(), 'greenlight-bench-'));
	let count = 0;
	return {
		scratch: () => mkdtempSync(path.join(root, `${++count}-`)),
		dispose: () => rmSync(root, {recursive: true, force: true}),
	};
};

/**
 * Measures the baseline and greenlight turn about, `runs` times each, so that a machine getting
 * busier slows both alike. One unmeasured round of each comes first unless `warmUp` is false: the
 * cold file cache is not what a person meets twice.
 */
export const turnAbout = async <B, G>(runs: number, baseline: () => Promise<B>, greenlight: () => Promise<G>, warmUp = true): Promise<{baseline: B[]; greenlight: G[]}> => {
	if (warmUp) {
		await baseline();
		await greenlight();
	}
	const measured: {baseline: B[]; greenlight: G[]} = {baseline: [], greenlight: []};
	for (let run = 0; run < runs; run++) {
		measured.baseline.push(await baseline());
		measured.greenlight.push(await greenlight());
	}
	return measured;
};

/**
 * Runs a program in a pane of its own, in a fresh folder, hands both to `measure`, then ends the
 * pane and waits until the process is gone, so that no measurement's leftovers load the next.
 */
export const inPane = async <T>(context: BenchContext, argv: (dir: string) => string[], measure: (pane: Pane, dir: string) => Promise<T>): Promise<T> => {
	const dir = context.scratch();
	const pane = await context.terminal.open(argv(dir), {cwd: dir});
	try {
		return await measure(pane, dir);
	} finally {
		await pane.close();
		await waitForExit(pane.pid);
	}
};

/** `greenlight run` on a runbook written into the pane's folder (so each run makes a new session). */
export const inGreenlight = <T>(context: BenchContext, runbook: RunbookInput, measure: (pane: Pane, dir: string) => Promise<T>): Promise<T> =>
	inPane(
		context,
		(dir) => {
			const file = path.join(dir, 'runbook.json');
			writeFileSync(file, `${JSON.stringify(runbook, null, 2)}\n`);
			return [process.execPath, context.cli, 'run', file];
		},
		measure,
	);

/** A runbook whose one step is manual: greenlight shows it and waits for Space. */
export const manualStepRunbook = (title: string): RunbookInput => ({
	title: `Bench: ${title}`,
	phases: [{id: 'wait', title: 'Wait', steps: [{id: 'tick', title, kind: 'manual'}]}],
});

/** A runbook that runs one command, then waits at a manual step, so greenlight stays up to be read. */
export const commandStepRunbook = (title: string, run: string[]): RunbookInput => ({
	title: `Bench: ${title}`,
	phases: [
		{
			id: 'work',
			title: 'Work',
			steps: [
				{id: 'command', title, kind: 'command', run, timeout: '10m'},
				{id: 'after', title: 'Look at the log', kind: 'manual'},
			],
		},
	],
});
