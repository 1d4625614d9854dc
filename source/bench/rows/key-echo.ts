import {performance} from 'node:perf_hooks';
import {inGreenlight, inPane, manualStepRunbook, type BenchContext, type BenchRow} from '../bench-context.js';
import type {Pane} from '../bench-terminal.js';
import {figure, judgeRow} from '../figures.js';

// Key press → screen answers: `?` opens the help and closes it again, turn about; each press is
// timed from handing the key to the pty until the screen shows the answer, read every millisecond.
// The baseline is the least any program can do in the same harness: a few lines of node in raw mode
// that write "Keys" or clear the screen on each `?`, so the figure shows what the terminal, tmux and
// the reading of the screen cost before greenlight does anything.

const TITLE = 'Wait for the operator';
const HELP_HEADING = /^Keys$/m;

const ECHO_READY = 'ready for keys';
// One line, double quotes only: the harness hands it to tmux inside single quotes.
const echoProgram = [
	'process.stdin.setRawMode(true);',
	`process.stdout.write("${ECHO_READY}\\n");`,
	'let open = false;',
	'process.stdin.on("data", (key) => { if (String(key) === "?") { open = !open; process.stdout.write(open ? "\\x1b[2J\\x1b[HKeys\\n" : "\\x1b[2J\\x1b[H"); } });',
].join(' ');

/** Presses `?` again and again; each time, how long until the screen shows the answer (opened or closed). */
const pressAndRead = async (pane: Pane, presses: number): Promise<number[]> => {
	const measured: number[] = [];
	for (let press = 0; press < presses; press++) {
		const opens = press % 2 === 0;
		const since = performance.now();
		await pane.send(['?']);
		measured.push(await pane.waitFor((screen) => HELP_HEADING.test(screen) === opens, {since, pollMs: 1, timeoutMs: 5000}));
	}
	return measured;
};

export const measureKeyEcho = async (context: BenchContext) => {
	const presses = (context.runs ?? 5) * 4 + 1;
	const floor = await inPane(context, () => [process.execPath, '-e', echoProgram], async (pane) => {
		await pane.waitFor((screen) => screen.includes(ECHO_READY));
		return pressAndRead(pane, presses);
	});
	const latencies = await inGreenlight(context, manualStepRunbook(TITLE), async (pane) => {
		await pane.waitFor((screen) => screen.includes(TITLE));
		return pressAndRead(pane, presses);
	});
	return [
		judgeRow({
			id: 'key-echo',
			what: 'key press → screen answers (median)',
			greenlight: figure(latencies, 'ms'),
			baseline: {...figure(floor, 'ms'), what: 'node in raw mode answering the same key'},
			target: {kind: 'value', max: 33, unit: 'ms'},
		}),
	];
};

export const keyEchoRow: BenchRow = {id: 'key-echo', measure: measureKeyEcho};
