import {readdirSync, statSync} from 'node:fs';
import path from 'node:path';
import {commandStepRunbook, inGreenlight, type BenchContext, type BenchRow} from '../bench-context.js';
import {figure, judgeRow} from '../figures.js';
import {MB, memory} from '../process-stats.js';

// One output line of 100 MB: greenlight's peak resident memory until the step has passed, and how
// large the journal grew (the screen and the journal should keep a cut line; the log keeps it whole).

const TITLE = 'Print one line of 100 MB';
const TIMEOUT_MS = 5 * 60_000;
const passed = new RegExp(`passed +${TITLE}`);

const journalBytes = (dir: string): number => {
	const sessions = path.join(dir, '.greenlight', 'sessions');
	return readdirSync(sessions).reduce((sum, session) => sum + statSync(path.join(sessions, session, 'journal.ndjson')).size, 0);
};

export const measureLongLine = async (context: BenchContext) => {
	const runs = context.runs ?? 3;
	const peaks: number[] = [];
	const journals: number[] = [];
	for (let run = 0; run < runs; run++) {
		const runbook = commandStepRunbook(TITLE, ['sh', '-c', "head -c 100000000 /dev/zero | tr '\\0' x; echo"]);
		await inGreenlight(context, runbook, async (pane, dir) => {
			await pane.waitFor((screen) => passed.test(screen), {pollMs: 50, timeoutMs: TIMEOUT_MS});
			peaks.push(memory(pane.pid).peak / MB);
			journals.push(journalBytes(dir) / MB);
		});
		context.log(`  long line ${run + 1}/${runs}: peak ${peaks.at(-1)!.toFixed(0)} MB, journal ${(journals.at(-1)! * 1024).toFixed(0)} KB`);
	}
	const journal = figure(journals, 'MB').value;
	return [
		judgeRow({
			id: 'long-line-rss',
			what: 'one 100 MB output line: peak RSS',
			greenlight: figure(peaks, 'MB', `journal ${journal < 1 ? `${Math.round(journal * 1024)} KB` : `${journal.toFixed(0)} MB`}`),
			target: {kind: 'value', max: 120, unit: 'MB'},
		}),
	];
};

export const longLineRow: BenchRow = {id: 'long-line', measure: measureLongLine};
