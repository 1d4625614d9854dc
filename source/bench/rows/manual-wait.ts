import type {BenchContext, BenchRow} from '../bench-context.js';
import {writeRunbook} from '../bench-context.js';
import {figure, judgeRow} from '../figures.js';
import {cpuShares, waitForExit} from '../process-stats.js';

// Waiting at a manual step: greenlight's CPU use while the checklist waits for Space, after the
// start-up has settled. Nothing happens but the clock in the header.

const TITLE = 'Wait for the operator';
const SETTLE_MS = 2000;
const WINDOW_MS = 4000;

const waitRunbook = {
	title: 'Bench: manual wait',
	phases: [{id: 'wait', title: 'Wait', steps: [{id: 'tick', title: TITLE, kind: 'manual' as const}]}],
};

export const measureManualWait = async (context: BenchContext) => {
	const dir = context.scratch();
	const pane = await context.terminal.open([process.execPath, context.cli, 'run', writeRunbook(dir, waitRunbook)], {cwd: dir});
	let shares: number[];
	try {
		await pane.waitFor((screen) => screen.includes(TITLE));
		// Measured from here: the start-up's own work (loading, first render, the JIT) is over by then.
		await cpuShares(pane.pid, 1, SETTLE_MS);
		shares = await cpuShares(pane.pid, context.runs ?? 5, WINDOW_MS);
	} finally {
		await pane.close();
		await waitForExit(pane.pid);
	}
	return [
		judgeRow({
			id: 'manual-wait-cpu',
			what: 'waiting at a manual step',
			greenlight: figure(shares, '% of a core'),
			target: {kind: 'value', max: 1, unit: '% of a core'},
		}),
	];
};

export const manualWaitRow: BenchRow = {id: 'manual-wait', measure: measureManualWait};
