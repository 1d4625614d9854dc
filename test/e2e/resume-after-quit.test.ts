import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {openTerminal, type Terminal} from '../helpers/tmux.js';

// Quit with q, then resume: the resumed checklist must be live (keys answered, the run going on),
// not the last frame of a screen that took the run's earlier ending (stopped) for its own and left.

const repo = path.resolve(import.meta.dirname, '../..');
const cli = path.join(repo, 'dist/cli/main.js');

let terminal: Terminal | undefined;
afterEach(() => terminal?.close());

describe('resuming a session that was quit', () => {
	it('given a session quit with q three times, when it is resumed each time, then the checklist answers keys and the journal goes on', async () => {
		const work = mkdtempSync(path.join(os.tmpdir(), 'gl-quit-'));
		const session = path.join(work, 'session');
		const runbook = path.join(work, 'runbook.json');
		const steps = ['First tick', 'Second tick', 'Third tick', 'Fourth tick'].map((title, index) => ({id: `tick${index}`, title, kind: 'manual'}));
		writeFileSync(runbook, JSON.stringify({title: 'Quit and resume', phases: [{id: 'one', title: 'One', steps}]}));
		terminal = openTerminal({columns: 100, rows: 30, cwd: work, env: {NO_COLOR: '1'}});

		for (let round = 0; round < 3; round++) {
			terminal.type(`clear; node ${cli} run ${runbook} --session ${session}; echo "exit=$?"`);
			terminal.send('Enter');
			await terminal.waitFor(/Enter=confirm/);
			// Live: Space ticks the step under the cursor, which moves on to the next.
			terminal.send('Space');
			await terminal.waitFor(new RegExp(`passed\\s+${steps[round]!.title}`));
			terminal.send('q');
			await terminal.waitFor(/Quit\?/);
			terminal.send('y');
			await terminal.waitFor(/exit=1/);
		}

		const types = readFileSync(path.join(session, 'journal.ndjson'), 'utf8')
			.trim()
			.split('\n')
			.map((line) => (JSON.parse(line) as {type: string}).type);
		expect(types.filter((type) => type === 'run-resumed')).toHaveLength(2);
		expect(types.filter((type) => type === 'run-finished')).toHaveLength(3);
	}, 90_000);
});
