import {mkdtempSync, readFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {openTerminal, type Terminal} from '../helpers/tmux.js';

const repo = path.resolve(import.meta.dirname, '../..');
const cli = path.join(repo, 'dist/cli/main.js');
const fixture = path.join(repo, 'test/fixtures/e2e/secret-prompt.json');

describe('a secret asked for on the terminal', () => {
	let terminal: Terminal | undefined;
	afterEach(() => terminal?.close());

	it('is not echoed while typed, reaches the command, and never shows on screen', async () => {
		const work = mkdtempSync(path.join(os.tmpdir(), 'gl-secret-'));
		terminal = openTerminal({columns: 80, rows: 24, cwd: work, env: {NO_COLOR: '1'}});
		terminal.type(`node ${cli} run ${fixture} --session ${path.join(work, 'session')} --operator alice --var tokenFile=${path.join(work, 'token.txt')}; echo "exit=$?"`);
		terminal.send('Enter');
		await terminal.waitFor(/Deploy token:/);
		terminal.type('hunter2-s3cret');
		// What was typed is not on screen before Enter.
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(terminal.screen()).not.toContain('hunter2');
		terminal.send('Enter');
		await terminal.waitFor(/passed\s+Store the token/);
		expect(terminal.screen()).not.toContain('hunter2');
		terminal.send('Enter');
		await terminal.waitFor(/exit=0/);
		expect(terminal.screen()).not.toContain('hunter2');
		expect(readFileSync(path.join(work, 'token.txt'), 'utf8')).toBe('hunter2-s3cret');
		const journal = readFileSync(path.join(work, 'session', 'journal.ndjson'), 'utf8');
		expect(journal).not.toContain('hunter2');
	});
});
