// The output path against its baseline: a runbook of one command step, run headless as an operator
// would (`greenlight run FILE --yes --json`), next to the same command with nothing but a pipe
// reader behind it. Figures, not a test: the machine's load moves them, so each case runs a few
// times, greenlight and the bare command in turn, and the median is what counts.
// `node dist/bench/output-path.js [rounds] [cli]` prints them (cli: another build's dist/cli/main.js,
// to compare); `npm run bench` may call measureOutputPath().
import {execFile, spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {fileURLToPath} from 'node:url';

/** Wall time of greenlight's step at most this many times the bare command's. */
export const OUTPUT_PATH_TARGET_RATIO = 3;
/** Peak RSS of the whole greenlight process, whatever the output. */
export const OUTPUT_PATH_TARGET_RSS_MB = 120;

export type OutputPathCase = {name: string; shell: string};

export const OUTPUT_PATH_CASES: readonly OutputPathCase[] = [
	{name: '1,000,000 lines', shell: 'seq 1 1000000'},
	{name: 'one 100 MB line', shell: "head -c 100000000 /dev/zero | tr '\\0' a"},
];

export type OutputPathFigures = {
	name: string;
	command: string;
	rounds: number;
	/** The command alone, its output read from a pipe and dropped (median). */
	bareMs: number;
	/** greenlight's step from start to finished, as its journal says (median). */
	stepMs: number;
	/** The whole `greenlight run`: start-up, the step, the journal and the exports (median). */
	runMs: number;
	/** Peak RSS of the greenlight process (largest seen); undefined without /usr/bin/time. */
	peakRssMb?: number;
	/** Bytes of the step's log and of the journal. */
	logBytes: number;
	journalBytes: number;
	ratio: number;
	withinTarget: boolean;
};

const median = (values: number[]): number => {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** The command with its output drained from a pipe, as greenlight's runner would read it. */
const runBare = (shell: string): Promise<number> =>
	new Promise((resolve, reject) => {
		const started = performance.now();
		const child = spawn('/bin/sh', ['-c', shell], {stdio: ['ignore', 'pipe', 'ignore']});
		child.stdout.resume();
		child.on('error', reject);
		child.on('close', () => resolve(performance.now() - started));
	});

const TIME = '/usr/bin/time';

type GreenlightRun = {stepMs: number; runMs: number; peakRssMb?: number; logBytes: number; journalBytes: number};

const runGreenlight = (cli: string, dir: string, shell: string, round: number): Promise<GreenlightRun> => {
	const runbook = path.join(dir, 'runbook.json');
	writeFileSync(
		runbook,
		JSON.stringify({title: 'Output path', phases: [{id: 'out', title: 'Output', steps: [{id: 'step', title: shell, kind: 'command', shell: true, run: [shell]}]}]}),
	);
	const session = path.join(dir, `session-${round}`);
	const args = [cli, 'run', runbook, '--yes', '--json', '--session', session];
	const timed = existsSync(TIME);
	const [program, argv] = timed ? [TIME, ['-f', 'peak-rss-kb %M', process.execPath, ...args]] : [process.execPath, args];
	return new Promise((resolve, reject) => {
		const started = performance.now();
		execFile(program, argv, {cwd: dir, maxBuffer: 64 * 1024 * 1024}, (error, _stdout, stderr) => {
			const runMs = performance.now() - started;
			if (error) return reject(new Error(`greenlight run failed: ${stderr || error.message}`));
			const journal = readFileSync(path.join(session, 'journal.ndjson'), 'utf8');
			const finished = journal
				.split('\n')
				.filter(Boolean)
				.map((line) => JSON.parse(line) as {type: string; durationMs?: number})
				.find((event) => event.type === 'step-finished');
			const rss = /peak-rss-kb (\d+)/.exec(stderr)?.[1];
			const log = path.join(session, 'logs', 'out.step.log');
			resolve({
				stepMs: finished?.durationMs ?? Number.NaN,
				runMs,
				...(rss ? {peakRssMb: Number(rss) / 1024} : {}),
				logBytes: existsSync(log) ? statSync(log).size : 0,
				journalBytes: Buffer.byteLength(journal),
			});
			rmSync(session, {recursive: true, force: true});
		});
	});
};

/** Runs each case `rounds` times, the bare command and greenlight in turn; answers the medians. */
export const measureOutputPath = async (
	options: {rounds?: number; cases?: readonly OutputPathCase[]; cli?: string} = {},
): Promise<OutputPathFigures[]> => {
	const rounds = options.rounds ?? 3;
	const cli = options.cli ?? fileURLToPath(new URL('../cli/main.js', import.meta.url));
	const dir = mkdtempSync(path.join(os.tmpdir(), 'gl-output-path-'));
	const figures: OutputPathFigures[] = [];
	try {
		for (const {name, shell} of options.cases ?? OUTPUT_PATH_CASES) {
			const bare: number[] = [];
			const runs: GreenlightRun[] = [];
			for (let round = 0; round < rounds; round++) {
				bare.push(await runBare(shell));
				runs.push(await runGreenlight(cli, dir, shell, round));
			}
			const bareMs = median(bare);
			const stepMs = median(runs.map((run) => run.stepMs));
			const rss = runs.flatMap((run) => (run.peakRssMb === undefined ? [] : [run.peakRssMb]));
			const peakRssMb = rss.length > 0 ? Math.max(...rss) : undefined;
			const ratio = stepMs / bareMs;
			figures.push({
				name,
				command: shell,
				rounds,
				bareMs,
				stepMs,
				runMs: median(runs.map((run) => run.runMs)),
				...(peakRssMb === undefined ? {} : {peakRssMb}),
				logBytes: runs[0]?.logBytes ?? 0,
				journalBytes: runs[0]?.journalBytes ?? 0,
				ratio,
				withinTarget: ratio <= OUTPUT_PATH_TARGET_RATIO && (peakRssMb === undefined || peakRssMb <= OUTPUT_PATH_TARGET_RSS_MB),
			});
		}
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
	return figures;
};

/** The figures as lines of a report. */
export const formatOutputPath = (figures: readonly OutputPathFigures[]): string[] =>
	figures.map((figure) => {
		const rss = figure.peakRssMb === undefined ? 'peak RSS n/a' : `peak RSS ${figure.peakRssMb.toFixed(0)} MB`;
		const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
		return `output path: ${figure.name.padEnd(16)} step ${figure.stepMs.toFixed(0).padStart(6)} ms vs bare ${figure.bareMs.toFixed(0).padStart(5)} ms = ${figure.ratio.toFixed(1)}× · run ${figure.runMs.toFixed(0)} ms · ${rss} · log ${kb(figure.logBytes)}, journal ${kb(figure.journalBytes)} · ${figure.withinTarget ? 'within' : 'OVER'} target (≤ ${OUTPUT_PATH_TARGET_RATIO}×, ≤ ${OUTPUT_PATH_TARGET_RSS_MB} MB)`;
	});

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	const rounds = Number(process.argv[2] ?? 3);
	const cli = process.argv[3] ? path.resolve(process.argv[3]) : undefined;
	process.stdout.write(`greenlight output path — node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}\n`);
	for (const line of formatOutputPath(await measureOutputPath({rounds, ...(cli ? {cli} : {})}))) process.stdout.write(`${line}\n`);
}
