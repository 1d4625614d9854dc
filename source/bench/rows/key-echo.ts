import {performance} from 'node:perf_hooks';
import type {BenchContext, BenchRow} from '../bench-context.js';
import {writeRunbook} from '../bench-context.js';
import {figure, judgeRow} from '../figures.js';
import {waitForExit} from '../process-stats.js';

// Key press → screen answers: `?` opens the help and closes it again, turn about; each press is
// timed from handing the key to the pty until the screen shows the answer, read every millisecond.

const TITLE = 'Wait for the operator';
const HELP_HEADING = /^Keys$/m;

const keyRunbook = {
	title: 'Bench: keys',
	phases: [{id: 'keys', title: 'Keys', steps: [{id: 'tick', title: TITLE, kind: 'manual' as const}]}],
};

export const measureKeyEcho = async (context: BenchContext) => {
	const presses = (context.runs ?? 5) * 4 + 1;
	const dir = context.scratch();
	const pane = await context.terminal.open([process.execPath, context.cli, 'run', writeRunbook(dir, keyRunbook)], {cwd: dir});
	const latencies: number[] = [];
	try {
		await pane.waitFor((screen) => screen.includes(TITLE));
		for (let press = 0; press < presses; press++) {
			const opens = press % 2 === 0;
			const since = performance.now();
			await pane.send(['?']);
			latencies.push(await pane.waitFor((screen) => HELP_HEADING.test(screen) === opens, {since, pollMs: 1, timeoutMs: 5000}));
		}
	} finally {
		await pane.close();
		await waitForExit(pane.pid);
	}
	return [
		judgeRow({
			id: 'key-echo',
			what: 'key press → screen answers (median)',
			greenlight: figure(latencies, 'ms'),
			target: {kind: 'value', max: 33, unit: 'ms'},
		}),
	];
};

export const keyEchoRow: BenchRow = {id: 'key-echo', measure: measureKeyEcho};
