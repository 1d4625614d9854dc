import {inGreenlight, manualStepRunbook, type BenchContext, type BenchRow} from '../bench-context.js';
import {figure, judgeRow} from '../figures.js';
import {CPU_WINDOWS, cpuShares} from '../process-stats.js';

// Waiting at a manual step: greenlight's CPU use while the checklist waits for Space, after the
// start-up has settled. Nothing happens but the clock in the header.

const TITLE = 'Wait for the operator';
const SETTLE_MS = 2000;
const WINDOW_MS = 4000;

export const measureManualWait = async (context: BenchContext) => {
	const shares = await inGreenlight(context, manualStepRunbook(TITLE), async (pane) => {
		await pane.waitFor((screen) => screen.includes(TITLE));
		// Measured from here: the start-up's own work (loading, first render, the JIT) is over by then.
		await cpuShares(pane.pid, 1, SETTLE_MS);
		return cpuShares(pane.pid, context.runs ?? CPU_WINDOWS, WINDOW_MS);
	});
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
