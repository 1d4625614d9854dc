import path from 'node:path';
import type {BenchContext, BenchRow} from '../bench-context.js';
import {figure, judgeRow} from '../figures.js';
import {waitForExit} from '../process-stats.js';

// First frame: from spawning `greenlight run` on a shipped runbook, in a fresh folder (so a new
// session is created: folder, lock, journal), until its first step's title is on the screen. The
// baseline is `node -e 'console.log("x")'` until the x is on the screen, read the same way.

const FIRST_STEP_TITLE = 'JWKS-Endpunkt liefert den aktiven und den nächsten Schlüssel';
const POLL_MS = 5;

const timeToScreen = async (context: BenchContext, argv: string[], visible: (screen: string) => boolean): Promise<number> => {
	const pane = await context.terminal.open(argv, {cwd: context.scratch()});
	try {
		// With history: a program that printed and ended has scrolled its output up, not away.
		return await pane.waitFor(visible, {pollMs: POLL_MS, history: true});
	} finally {
		await pane.close();
		await waitForExit(pane.pid);
	}
};

export const measureFirstFrame = async (context: BenchContext) => {
	const runs = context.runs ?? 5;
	const runbook = path.resolve(path.dirname(context.cli), '..', '..', 'runbooks', 'jwks-rotation.json');
	const greenlightArgv = [process.execPath, context.cli, 'run', runbook];
	const baselineArgv = [process.execPath, '-e', 'console.log("x")'];
	const showsTitle = (screen: string) => screen.includes(FIRST_STEP_TITLE);
	const showsX = (screen: string) => screen.split('\n').some((line) => line.trim() === 'x');
	// One unmeasured round: the cold file cache is not what a person sees twice.
	await timeToScreen(context, baselineArgv, showsX);
	await timeToScreen(context, greenlightArgv, showsTitle);
	const greenlight: number[] = [];
	const baseline: number[] = [];
	for (let run = 0; run < runs; run++) {
		baseline.push(await timeToScreen(context, baselineArgv, showsX));
		greenlight.push(await timeToScreen(context, greenlightArgv, showsTitle));
	}
	return [
		judgeRow({
			id: 'first-frame',
			what: 'first frame of the checklist on screen',
			greenlight: figure(greenlight, 'ms'),
			baseline: {...figure(baseline, 'ms'), what: '`node -e` printing a line'},
			target: {kind: 'ratio', max: 3},
		}),
	];
};

export const firstFrameRow: BenchRow = {id: 'first-frame', measure: measureFirstFrame};
