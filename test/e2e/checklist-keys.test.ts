import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {openTerminal, type Terminal} from '../helpers/tmux.js';

const repo = path.resolve(import.meta.dirname, '../..');
const cli = path.join(repo, 'dist/cli/main.js');
const fixture = path.join(repo, 'test/fixtures/e2e/keys.json');

describe('the live checklist in a real terminal (tmux, 80×24)', () => {
	let terminal: Terminal | undefined;
	afterEach(() => terminal?.close());

	it('walks a runbook by keys: refuses Enter while a check fails and names it, confirms when green, restores the terminal on exit', async () => {
		const work = mkdtempSync(path.join(os.tmpdir(), 'gl-keys-'));
		const session = path.join(work, 'session');
		terminal = openTerminal({columns: 80, rows: 24, cwd: work, env: {NO_COLOR: '1'}});
		terminal.type(`node ${cli} run ${fixture} --session ${session} --operator alice --var marker=${path.join(work, 'marker')}; echo "exit=$?"`);
		terminal.send('Enter');

		// The first check runs by itself; the manual step waits for Space.
		await terminal.waitFor(/passed\s+Say hello/);
		terminal.send('Enter');
		let screen = await terminal.waitFor(/not ticked yet \(Space\): "On-Call-Team informiert"/);
		expect(screen).not.toMatch(/Verify.*confirmed/);

		// The view follows a resize: the footer switches to its wide form and back.
		expect(screen).toMatch(/Enter=confirm Space=tick/);
		terminal.resize(110, 30);
		await terminal.waitFor(/Enter confirm · Space tick/);
		terminal.resize(80, 24);
		await terminal.waitFor(/Enter=confirm Space=tick/);

		terminal.send('Space');
		await terminal.waitFor(/Enter: confirm/);
		terminal.send('Enter');

		// The next phase starts by itself; its check fails and Enter is refused, naming it.
		await terminal.waitFor(/failed\s+Flaky upstream check/);
		terminal.send('Enter');
		screen = await terminal.waitFor(/blocked.*Flaky upstream check.*exit code 3/);
		expect(screen).toMatch(/failed/);
		// The failing check offers its ways out beside it.
		expect(screen).toMatch(/t retry · r roll back · o break-glass override/);

		// t retries; the check passes; Enter confirms the last phase and greenlight exits.
		terminal.send('t');
		await terminal.waitFor(/passed\s+Flaky upstream check/);
		terminal.send('Enter');
		screen = await terminal.waitFor(/exit=0/);

		// The shell is usable again: it echoes typed text and runs commands.
		terminal.type('echo terminal-$((40+2))');
		terminal.send('Enter');
		await terminal.waitFor('terminal-42');
		expect(execFileSync('tmux', ['display-message', '-p', '-t', terminal.name, '#{pane_current_command}'], {encoding: 'utf8'}).trim()).toBe('bash');

		const journal = readFileSync(path.join(session, 'journal.ndjson'), 'utf8');
		expect(journal).toContain('"type":"phase-confirmed"');
		expect(journal).toContain('"outcome":"completed"');
	}, 60_000);
});
