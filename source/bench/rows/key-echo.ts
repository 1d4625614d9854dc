import {performance} from 'node:perf_hooks';
import {inGreenlight, manualStepRunbook, type BenchContext, type BenchRow} from '../bench-context.js';
import {figure, judgeRow} from '../figures.js';

// Key press → screen answers: `?` opens the help and closes it again, turn about; each press is
// timed from handing the key to the pty until the screen shows the answer, read every millisecond.

const TITLE = 'Wait for the operator';
const HELP_HEADING = /^Keys$/m;

export const measureKeyEcho = async (context: BenchContext) => {
	const presses = (context.runs ?? 5) * 4 + 1;
	const latencies = await inGreenlight(context, manualStepRunbook(TITLE), async (pane) => {
		await pane.waitFor((screen) => screen.includes(TITLE));
		const measured: number[] = [];
		for (let press = 0; press < presses; press++) {
			const opens = press % 2 === 0;
			const since = performance.now();
			await pane.send(['?']);
			measured.push(await pane.waitFor((screen) => HELP_HEADING.test(screen) === opens, {since, pollMs: 1, timeoutMs: 5000}));
		}
		return measured;
	});
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
