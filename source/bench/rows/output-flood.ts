import type {BenchContext, BenchRow} from '../bench-context.js';
import {writeRunbook} from '../bench-context.js';
import {figure, judgeRow} from '../figures.js';
import {MB, memory, waitForExit} from '../process-stats.js';

// A step printing 1,000,000 lines: from the step's title on the screen (the step starts at the
// first frame) until the screen shows it passed; and greenlight's peak resident memory meanwhile.
// The baseline is the same command straight into the pty, until a line printed after it shows.

const LINES = 1_000_000;
const TITLE = 'Print a million lines';
const TIMEOUT_MS = 5 * 60_000;

const floodRunbook = {
	title: 'Bench: output flood',
	phases: [
		{
			id: 'flood',
			title: 'Flood',
			steps: [
				{id: 'print', title: TITLE, kind: 'command' as const, run: ['seq', '1', String(LINES)], timeout: '10m'},
				{id: 'after', title: 'Look at the log', kind: 'manual' as const},
			],
		},
	],
};

const passed = new RegExp(`passed +${TITLE}`);

const runGreenlight = async (context: BenchContext): Promise<{ms: number; peak: number}> => {
	const dir = context.scratch();
	const pane = await context.terminal.open([process.execPath, context.cli, 'run', writeRunbook(dir, floodRunbook)], {cwd: dir});
	try {
		const shown = await pane.waitFor((screen) => screen.includes(TITLE), {pollMs: 5});
		const done = await pane.waitFor((screen) => passed.test(screen), {pollMs: 20, timeoutMs: TIMEOUT_MS});
		return {ms: done - shown, peak: memory(pane.pid).peak};
	} finally {
		await pane.close();
		await waitForExit(pane.pid);
	}
};

const runBaseline = async (context: BenchContext): Promise<number> => {
	const pane = await context.terminal.open(['sh', '-c', `seq 1 ${LINES}; echo bench-end; exec sleep 600`], {cwd: context.scratch()});
	try {
		return await pane.waitFor((screen) => screen.includes('bench-end'), {pollMs: 20, timeoutMs: TIMEOUT_MS});
	} finally {
		await pane.close();
		await waitForExit(pane.pid);
	}
};

export const measureOutputFlood = async (context: BenchContext) => {
	const runs = context.runs ?? 3;
	const times: number[] = [];
	const peaks: number[] = [];
	const baseline: number[] = [];
	for (let run = 0; run < runs; run++) {
		baseline.push(await runBaseline(context));
		const measured = await runGreenlight(context);
		times.push(measured.ms);
		peaks.push(measured.peak / MB);
		context.log(`  flood ${run + 1}/${runs}: ${(measured.ms / 1000).toFixed(2)} s, peak ${(measured.peak / MB).toFixed(0)} MB; baseline ${(baseline.at(-1)! / 1000).toFixed(2)} s`);
	}
	return [
		judgeRow({
			id: 'output-flood',
			what: 'a step printing 1,000,000 lines (`seq 1 1000000`), start → step finished',
			greenlight: figure(times, 'ms'),
			baseline: {...figure(baseline, 'ms'), what: 'the same command straight into the pty'},
			target: {kind: 'ratio', max: 3},
		}),
		judgeRow({
			id: 'output-flood-rss',
			what: 'peak RSS during that step',
			greenlight: figure(peaks, 'MB'),
			target: {kind: 'value', max: 120, unit: 'MB'},
		}),
	];
};

export const outputFloodRow: BenchRow = {id: 'output-flood', measure: measureOutputFlood};
