import path from 'node:path';
import {packageRoot} from '../../adapters/package-root.js';
import {inPane, turnAbout, type BenchContext, type BenchRow} from '../bench-context.js';
import {figure, judgeRow} from '../figures.js';

// First frame: from spawning `greenlight run` on a shipped runbook, in a fresh folder (so a new
// session is created: folder, lock, journal), until its first step's title is on the screen. The
// baseline is `node -e 'console.log("x")'` until the x is on the screen, read the same way.

const FIRST_STEP_TITLE = 'JWKS-Endpunkt liefert den aktiven und den nächsten Schlüssel';
const POLL_MS = 5;

// With history: a program that printed and ended has scrolled its output up, not away.
const timeToScreen = (context: BenchContext, argv: string[], visible: (screen: string) => boolean): Promise<number> =>
	inPane(context, () => argv, (pane) => pane.waitFor(visible, {pollMs: POLL_MS, history: true}));

export const measureFirstFrame = async (context: BenchContext) => {
	const runbook = path.join(packageRoot(), 'runbooks', 'jwks-rotation.json');
	const greenlightArgv = [process.execPath, context.cli, 'run', runbook];
	const baselineArgv = [process.execPath, '-e', 'console.log("x")'];
	const showsTitle = (screen: string) => screen.includes(FIRST_STEP_TITLE);
	const showsX = (screen: string) => screen.split('\n').some((line) => line.trim() === 'x');
	const {baseline, greenlight} = await turnAbout(
		context.runs ?? 7,
		() => timeToScreen(context, baselineArgv, showsX),
		() => timeToScreen(context, greenlightArgv, showsTitle),
	);
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
