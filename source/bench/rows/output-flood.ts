import {commandStepRunbook, inGreenlight, inPane, turnAbout, type BenchContext, type BenchRow} from '../bench-context.js';
import {figure, judgeRow} from '../figures.js';
import {MB, memory} from '../process-stats.js';

// A step printing 1,000,000 lines: from the step's title on the screen (the step starts at the
// first frame) until the screen shows it passed; and greenlight's peak resident memory meanwhile.
// The baseline is the same command straight into the pty, until a line printed after it shows.

const LINES = 1_000_000;
const TITLE = 'Print a million lines';
const TIMEOUT_MS = 5 * 60_000;
const passed = new RegExp(`passed +${TITLE}`);

const runGreenlight = (context: BenchContext): Promise<{ms: number; peak: number}> =>
	inGreenlight(context, commandStepRunbook(TITLE, ['seq', '1', String(LINES)]), async (pane) => {
		const shown = await pane.waitFor((screen) => screen.includes(TITLE), {pollMs: 5});
		const done = await pane.waitFor((screen) => passed.test(screen), {pollMs: 20, timeoutMs: TIMEOUT_MS});
		const run = {ms: done - shown, peak: memory(pane.pid).peak};
		context.log(`  flood: ${(run.ms / 1000).toFixed(2)} s, peak ${(run.peak / MB).toFixed(0)} MB`);
		return run;
	});

const runBaseline = (context: BenchContext): Promise<number> =>
	inPane(
		context,
		() => ['sh', '-c', `seq 1 ${LINES}; echo bench-end; exec sleep 600`],
		(pane) => pane.waitFor((screen) => screen.includes('bench-end'), {pollMs: 20, timeoutMs: TIMEOUT_MS}),
	);

export const measureOutputFlood = async (context: BenchContext) => {
	// No warm-up round: each run takes long enough that the file cache is warm after the first second.
	const measured = await turnAbout(context.runs ?? 3, () => runBaseline(context), () => runGreenlight(context), false);
	const times = measured.greenlight.map((run) => run.ms);
	const peaks = measured.greenlight.map((run) => run.peak / MB);
	const baseline = measured.baseline;
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
