// `npm run drill`: how often greenlight's verdicts are wrong. Rehearses the runbook N times without a
// fault and N times with each fault scenario, headless, each in a folder of its own and several at
// once, then prints per scenario the runs, false alarms or detections, time to detection and which
// check caught it, and writes everything as JSON. Not part of `npm test`: it takes minutes and
// measures rates; nothing here asserts a target.
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {execa} from 'execa';
import {REHEARSAL_SPEED} from '../cli/usage.js';
import {scenarios} from '../sandbox/scenarios.js';
import {readFileSync} from 'node:fs';
import {classifyRun, drillTable, FAULT_FREE, SEED_RUNBOOK_CATCHES, summarize, type DrillEvent, type RunRecord, type RunVerdict} from './drill-report.js';

const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.js');
/** A rehearsal that runs longer than this is stopped and counted as broken. */
const RUN_TIMEOUT_MS = 10 * 60_000;

const usage = `npm run drill -- [--runs N] [--parallel P] [--scenarios a,b,…] [--speed S] [--out FILE] [--any-check] [FILE]
  Rehearses FILE (default ./runbook.json) N times without a fault (default 5) and N times with each
  scenario (default all), P at a time (default: two per CPU core), at rehearsal speed S (default ${REHEARSAL_SPEED}).
  Prints the table and writes JSON to --out (default .greenlight/drill/drill-<time>.json). A fault counts
  as detected when the check of the seed runbook meant for it caught it; --any-check counts any failure
  (for other runbooks).
npm run drill -- --report FILE
  Prints the table of an earlier (or still running) drill's JSON again.`;

type Options = {runbook: string; runs: number; parallel: number; scenarios: string[]; speed: number; out: string; catches: Readonly<Record<string, RegExp>>; report?: string};

const parseOptions = (argv: string[]): Options => {
	const {values, positionals} = parseArgs({
		args: argv,
		allowPositionals: true,
		options: {
			runs: {type: 'string'},
			parallel: {type: 'string'},
			scenarios: {type: 'string'},
			speed: {type: 'string'},
			out: {type: 'string'},
			report: {type: 'string'},
			'any-check': {type: 'boolean'},
			help: {type: 'boolean', short: 'h'},
		},
	});
	if (values.help) {
		process.stdout.write(`${usage}\n`);
		process.exit(0);
	}
	const positive = (text: string | undefined, fallback: number, name: string): number => {
		if (text === undefined) return fallback;
		const number = Number(text);
		if (!Number.isFinite(number) || number <= 0) throw new Error(`--${name} must be a positive number, got "${text}"`);
		return number;
	};
	const known = scenarios.map((scenario) => scenario.name as string);
	const chosen = values.scenarios === undefined ? [FAULT_FREE, ...known] : values.scenarios.split(',').map((name) => name.trim()).filter(Boolean);
	const unknown = chosen.filter((name) => name !== FAULT_FREE && !known.includes(name));
	if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${FAULT_FREE}, ${known.join(', ')}`);
	const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
	return {
		runbook: path.resolve(positionals[0] ?? 'runbook.json'),
		runs: Math.round(positive(values.runs, 5, 'runs')),
		parallel: Math.round(positive(values.parallel, Math.max(2, 2 * os.availableParallelism()), 'parallel')),
		scenarios: chosen,
		speed: positive(values.speed, REHEARSAL_SPEED, 'speed'),
		out: path.resolve(values.out ?? path.join('.greenlight', 'drill', `drill-${stamp}.json`)),
		catches: values['any-check'] ? {} : SEED_RUNBOOK_CATCHES,
		...(values.report ? {report: values.report} : {}),
	};
};

/** One headless rehearsal in a fresh folder (its sessions and sandbox stay there), removed afterwards. */
const rehearseOnce = async (options: Options, scenario: string): Promise<RunRecord> => {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'greenlight-drill-'));
	const started = Date.now();
	try {
		const args = [cli, 'rehearse', options.runbook, '--yes', '--json', '--on-fail', 'rollback', '--speed', String(options.speed)];
		if (scenario !== FAULT_FREE) args.push('--scenario', scenario);
		const result = await execa(process.execPath, args, {cwd: dir, reject: false, timeout: RUN_TIMEOUT_MS, stdin: 'ignore', env: {NO_COLOR: '1'}});
		const events = String(result.stdout)
			.split('\n')
			.filter((line) => line.startsWith('{'))
			.flatMap((line): DrillEvent[] => {
				try {
					return [JSON.parse(line) as DrillEvent];
				} catch {
					return [];
				}
			});
		const stderr = String(result.stderr).trim().split('\n').slice(-3).join(' / ');
		return {scenario, exitCode: result.exitCode ?? -1, durationMs: Date.now() - started, events, ...(stderr ? {stderr} : {})};
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
};

/** Runs the jobs `parallel` at a time, in order of submission. */
const pool = async <T, R>(items: readonly T[], parallel: number, work: (item: T) => Promise<R>): Promise<R[]> => {
	const results: R[] = new Array(items.length);
	let next = 0;
	const worker = async () => {
		while (next < items.length) {
			const index = next;
			next += 1;
			results[index] = await work(items[index] as T);
		}
	};
	await Promise.all(Array.from({length: Math.min(parallel, items.length)}, worker));
	return results;
};

/** The table of a drill's JSON, finished or not. */
const report = (file: string, catches: Readonly<Record<string, RegExp>>) => {
	const saved = JSON.parse(readFileSync(file, 'utf8')) as {speed: number; parallel: number; cores: number; elapsedMs: number; complete: boolean; runs: RunVerdict[]};
	process.stdout.write(`${drillTable(summarize(saved.runs, catches), saved.speed)}\n\n`);
	process.stdout.write(
		`${saved.runs.length} rehearsals in ${(saved.elapsedMs / 60_000).toFixed(1)} min${saved.complete ? '' : ' (drill not finished)'}, ${saved.parallel} at a time on ${saved.cores} cores, speed ${saved.speed}.\n`,
	);
};

const main = async () => {
	const options = parseOptions(process.argv.slice(2));
	if (options.report) return report(options.report, options.catches);
	// Interleaved, so a slow stretch of the machine falls on every scenario alike.
	const jobs = Array.from({length: options.runs}, () => options.scenarios).flat();
	const started = Date.now();
	process.stderr.write(
		`drill: ${jobs.length} rehearsals of ${path.relative(process.cwd(), options.runbook) || options.runbook} (${options.scenarios.length} scenarios × ${options.runs}), ${options.parallel} at a time, speed ${options.speed}\n`,
	);
	let done = 0;
	const finished: RunVerdict[] = [];
	const save = (elapsedMs: number, complete: boolean) => {
		mkdirSync(path.dirname(options.out), {recursive: true});
		const header = {runbook: options.runbook, speed: options.speed, parallel: options.parallel, cores: os.availableParallelism(), elapsedMs, complete};
		writeFileSync(options.out, `${JSON.stringify({...header, summaries: summarize(finished, options.catches), runs: finished}, null, 2)}\n`);
	};
	const verdicts: RunVerdict[] = await pool(jobs, options.parallel, async (scenario) => {
		const verdict = classifyRun(await rehearseOnce(options, scenario));
		finished.push(verdict);
		// Written after every run: a drill cut short still leaves its figures.
		save(Date.now() - started, false);
		done += 1;
		const what =
			verdict.result === 'caught' ? `caught by ${verdict.caughtBy}: ${(verdict.reason ?? '').slice(0, 120)}` : verdict.result === 'broken' ? `broken: ${verdict.problem}` : 'completed';
		process.stderr.write(`drill: ${String(done).padStart(String(jobs.length).length)}/${jobs.length} ${scenario}: ${what} (${(verdict.durationMs / 1000).toFixed(0)} s)\n`);
		return verdict;
	});
	const elapsedMs = Date.now() - started;
	const summaries = summarize(verdicts, options.catches);
	const table = drillTable(summaries, options.speed);
	process.stdout.write(`${table}\n\n${jobs.length} rehearsals in ${(elapsedMs / 60_000).toFixed(1)} min, ${options.parallel} at a time on ${os.availableParallelism()} cores, speed ${options.speed}.\n`);
	finished.splice(0, finished.length, ...verdicts);
	save(elapsedMs, true);
	process.stdout.write(`JSON: ${path.relative(process.cwd(), options.out)}\n`);
};

main().catch((error: unknown) => {
	process.stderr.write(`drill: ${(error as Error).message}\n${usage}\n`);
	process.exit(2);
});
