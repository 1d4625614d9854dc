import {mkdtempSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {afterEach, describe, expect, it} from 'vitest';
import {openTerminal, type Terminal} from '../helpers/tmux.js';

const repo = path.resolve(import.meta.dirname, '../..');
const cli = path.join(repo, 'dist/cli/main.js');
const runbook = path.join(repo, 'runbook.json');

/**
 * An operator at the keyboard: ticks what waits for Space, confirms what the footer offers, and
 * stops when `done` matches the screen. Returns the screen it stopped at.
 */
const operate = async (terminal: Terminal, done: RegExp, timeoutMs: number): Promise<string> => {
	const deadline = Date.now() + timeoutMs;
	let screen = '';
	while (Date.now() < deadline) {
		screen = terminal.screen();
		if (done.test(screen)) return screen;
		if (/Enter blocked: (linked checklist )?not ticked/.test(screen)) terminal.send('Space');
		else if (/^Enter: confirm/m.test(screen)) terminal.send('Enter');
		await sleep(250);
	}
	throw new Error(`timed out waiting for ${String(done)}; the screen shows:\n${screen}`);
};

describe('rehearsal in a real terminal, driven by keys', () => {
	let terminal: Terminal | undefined;
	afterEach(() => terminal?.close());

	it('at 100×30 the keys walk the whole seed runbook to a completed release', async () => {
		const cwd = mkdtempSync(path.join(os.tmpdir(), 'gl-rehearse-keys-'));
		terminal = openTerminal({columns: 100, rows: 30, cwd, env: {NO_COLOR: '1'}});
		// The default speed (20): a faster traffic switch would not see enough requests to judge.
		terminal.type(`node ${cli} rehearse ${runbook} --operator alice; echo "exit=$?"`);
		terminal.send('Enter');
		await terminal.waitFor(/Voraussetzungen/, 30_000);
		// A watch on screen draws its chart: both colours, the limit and the verdict.
		const watching = await operate(terminal, /running\s+Observability/, 180_000);
		expect(watching).toMatch(/bake left/);
		const finished = await operate(terminal, /exit=\d/, 450_000);
		expect(finished).toMatch(/Release completed/);
		expect(finished).toMatch(/6\/6 phases confirmed/);
		expect(finished).toMatch(/exit=0/);
	}, 600_000);

	it('at 80×24 green-latency stops at the traffic gate with the value, threshold and chart on screen', async () => {
		const cwd = mkdtempSync(path.join(os.tmpdir(), 'gl-rehearse-gate-'));
		terminal = openTerminal({columns: 80, rows: 24, cwd, env: {NO_COLOR: '1'}});
		terminal.type(`node ${cli} rehearse ${runbook} --scenario green-latency; echo "exit=$?"`);
		terminal.send('Enter');
		const screen = await operate(terminal, /failed\s+Schrittweise Traffic-Anteile/, 300_000);
		expect(screen).toMatch(/✗ fail p95 \d+(\.\d+)? ms > 300 ms/);
		expect(screen).toMatch(/green\s+\d+(\.\d+)? ms/);
		expect(screen).toMatch(/blue\s+\d+(\.\d+)? ms/);
		expect(screen).toMatch(/limit ≤ 300 ms/);
		// The live region fits: the header is still the first line of the terminal, nothing scrolled off.
		expect(screen.split('\n')[0]).toMatch(/^greenlight · Blue-Green Rollout/);
		// Enter is refused and says why.
		terminal.send('Enter');
		await terminal.waitFor(/Enter blocked: gate p95 failed: p95 \d+/);
		// Roll back with a reason; the release ends rolled back (exit 1).
		terminal.send('r');
		await terminal.waitFor(/Roll back to blue\?/);
		terminal.type('p95 regression');
		terminal.send('Enter');
		const end = await operate(terminal, /exit=\d/, 240_000);
		expect(end).toMatch(/Rolled back to blue/);
		expect(end).toMatch(/exit=1/);
	}, 600_000);
});
