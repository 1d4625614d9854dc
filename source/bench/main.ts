// `npm run bench`: the micro-benchmarks, then the table of issue #12 — each figure of greenlight
// in a real pseudo-terminal of 100×30, beside its baseline measured in the same run (medians of
// several), with its target. Prints the table and writes it as JSON. Asserts nothing and is not
// part of `npm test`: a busy machine slows every figure, which is why rows with a baseline are
// judged on the ratio.
import {mkdirSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {parseArgs} from 'node:util';
import {builtCli, createScratch, type BenchRow} from './bench-context.js';
import {openBenchTerminal} from './bench-terminal.js';
import type {RowResult} from './figures.js';
import {runMicroBenchmarks} from './micro.js';
import {firstFrameRow} from './rows/first-frame.js';
import {keyEchoRow} from './rows/key-echo.js';
import {longLineRow} from './rows/long-line.js';
import {manualWaitRow} from './rows/manual-wait.js';
import {outputFloodRow} from './rows/output-flood.js';
import {versionRow} from './rows/version.js';
import {benchTable} from './table.js';
import {watchCpuRow} from './rows/watch-cpu.js';

/** The table's rows, in the order. */
const rows: readonly BenchRow[] = [outputFloodRow, longLineRow, manualWaitRow, watchCpuRow, firstFrameRow, versionRow, keyEchoRow];

const usage = `npm run bench -- [--rows ID,ID…] [--runs N] [--out FILE] [--micro]
  Runs the micro-benchmarks, then every row of the table (or only --rows, without the micro-benchmarks),
  each figure the median of N runs (default per row: 3 for the output rows, 7 for the first frame,
  9 for --version, 5 else).
  Prints the table and writes JSON to --out (default .greenlight/bench/bench-<time>.json).
  --micro runs the micro-benchmarks only. Rows: ${rows.map((row) => row.id).join(', ')}.`;

const parseOptions = (argv: string[]) => {
	const {values} = parseArgs({
		args: argv,
		options: {rows: {type: 'string'}, runs: {type: 'string'}, out: {type: 'string'}, micro: {type: 'boolean'}, help: {type: 'boolean', short: 'h'}},
	});
	if (values.help) {
		process.stdout.write(`${usage}\n`);
		process.exit(0);
	}
	const chosen = values.rows?.split(',').map((id) => id.trim()).filter(Boolean);
	const unknown = chosen?.filter((id) => !rows.some((row) => row.id === id)) ?? [];
	if (unknown.length > 0) throw new Error(`unknown row ${unknown.join(', ')}; rows: ${rows.map((row) => row.id).join(', ')}`);
	const runs = values.runs === undefined ? undefined : Number(values.runs);
	if (runs !== undefined && !(Number.isInteger(runs) && runs > 0)) throw new Error(`--runs must be a positive whole number, got "${values.runs}"`);
	const stamp = new Date().toISOString().replace(/[:.]/g, '-');
	return {
		rows: chosen ? rows.filter((row) => chosen.includes(row.id)) : rows,
		micro: values.micro === true || chosen === undefined,
		table: values.micro !== true,
		runs,
		out: values.out ?? path.join('.greenlight', 'bench', `bench-${stamp}.json`),
	};
};

const runTable = async (chosen: readonly BenchRow[], runs: number | undefined): Promise<RowResult[]> => {
	const terminal = await openBenchTerminal();
	const scratch = createScratch();
	const log = (line: string) => process.stderr.write(`${line}\n`);
	const results: RowResult[] = [];
	try {
		for (const row of chosen) {
			log(`measuring ${row.id}…`);
			results.push(...(await row.measure({cli: builtCli(), terminal, runs, scratch: scratch.scratch, log})));
		}
	} finally {
		terminal.close();
		scratch.dispose();
	}
	return results;
};

const main = async () => {
	const options = parseOptions(process.argv.slice(2));
	const machine = `node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg().map((load) => load.toFixed(1)).join(' ')}`;
	process.stdout.write(`greenlight bench — ${machine}\n`);
	if (options.micro) runMicroBenchmarks();
	if (!options.table) return;
	const results = await runTable(options.rows, options.runs);
	process.stdout.write(`\n${benchTable(results)}`);
	mkdirSync(path.dirname(options.out), {recursive: true});
	writeFileSync(options.out, `${JSON.stringify({measuredAt: new Date().toISOString(), machine, loadAfter: os.loadavg(), rows: results}, null, 2)}\n`);
	process.stdout.write(`written to ${options.out}\n`);
};

main().catch((error: unknown) => {
	process.stderr.write(`bench: ${(error as Error).message}\n`);
	process.exitCode = 1;
});
