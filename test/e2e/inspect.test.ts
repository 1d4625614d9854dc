import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {afterEach, describe, expect, it} from 'vitest';
import {openTerminal, type Terminal} from '../helpers/tmux.js';

const repo = path.resolve(import.meta.dirname, '../..');
const cli = path.join(repo, 'dist/cli/main.js');
const fixture = path.join(repo, 'test/fixtures/e2e/inspect.json');
const seed = path.join(repo, 'runbook.json');

/** The screen with its escape sequences, as the terminal draws it: reverse video is "\e[7m". */
const screenWithColours = (terminal: Terminal): string => execFileSync('tmux', ['capture-pane', '-p', '-e', '-t', terminal.name], {encoding: 'utf8'});

/** Waits for `pattern` in the screen with its escape sequences. */
const waitForColours = async (terminal: Terminal, pattern: RegExp, timeoutMs = 10_000): Promise<string> => {
	const deadline = Date.now() + timeoutMs;
	let last = '';
	while (Date.now() < deadline) {
		last = screenWithColours(terminal);
		if (pattern.test(last)) return last;
		await sleep(100);
	}
	throw new Error(`timed out waiting for ${String(pattern)}; the screen shows:\n${last}`);
};

/** Presses keys one by one, waiting for the screen to show each step's result. */
const press = async (terminal: Terminal, key: string, shows: RegExp | string) => {
	terminal.send(key);
	return terminal.waitFor(shows);
};

describe('inspecting a step without leaving the checklist (tmux)', () => {
	const terminals: Terminal[] = [];
	afterEach(() => {
		for (const terminal of terminals.splice(0)) terminal.close();
	});

	for (const size of [
		{columns: 80, rows: 24, colour: false},
		{columns: 120, rows: 40, colour: true},
	]) {
		it(`at ${size.columns}×${size.rows}: opens a finished step's capture and argv, searches another step's full log, goes back, and Enter still confirms the phase`, async () => {
			const work = mkdtempSync(path.join(os.tmpdir(), 'gl-inspect-e2e-'));
			const session = path.join(work, 'session');
			const terminal = openTerminal({columns: size.columns, rows: size.rows, cwd: work, env: size.colour ? {} : {NO_COLOR: '1'}});
			terminals.push(terminal);
			// A clear screen first: the header is then the first line whatever the frame's height.
			terminal.type(`clear; node ${cli} run ${fixture} --session ${session} --operator alice; echo "exit=$?"`);
			terminal.send('Enter');
			// Both checks ran by themselves; the manual step waits, so Enter is blocked for now.
			let screen = await terminal.waitFor(/not ticked yet \(Space\): "Konfiguration identisch zu Blue"/);
			expect(screen).toMatch(/→ blueImage registry\.fly\.io\/lokaltreu-api:2\.3\.1/);

			// The cursor starts on the manual step; two up is the finished blue-image step.
			await press(terminal, 'Up', /^› ✓ passed\s+Synthetic Tests/m);
			await press(terminal, 'Up', /^› ✓ passed\s+Blue-Image festhalten/m);
			screen = await press(terminal, 'Right', /── log logs\/vorbereitung\.blue-image\.log · lines \d+–\d+ of \d+ · following/);
			expect(screen).toContain('captured blueImage = registry.fly.io/lokaltreu-api:2.3.1');
			// The argv as run, its secret redacted; at 80 columns the line ends cut.
			expect(screen).toMatch(/run {6}node inspect-releases\.mjs --access-token «redacted» --app lokaltreu-a/);
			expect(screen).toMatch(/result +✓ passed · exit code 0/);
			// The view never scrolls the terminal: the header stays the first line.
			expect(screen.split('\n')[0]).toMatch(/^greenlight · Inspect walk-through/);

			// Back to the cursor, down to the contract suite, open its full log and search its first line.
			await press(terminal, 'Escape', /^› ✓ passed\s+Blue-Image festhalten/m);
			await press(terminal, 'Down', /^› ✓ passed\s+Synthetic Tests/m);
			await press(terminal, 'Right', /── log logs\/vorbereitung\.contract\.log/);
			screen = await press(terminal, 'Right', /── log logs\/vorbereitung\.contract\.log · lines \d+–84 of 84 · following/);
			// A colour code the tool printed is shown, not obeyed.
			expect(screen).toContain('\\x1b[31mred text from a careless tool\\x1b[0m');
			// To the top (g), then search, as in less: from the first line shown.
			await press(terminal, 'g', /── log logs\/vorbereitung\.contract\.log · lines 1–\d+ of 84/);
			await press(terminal, '/', /^\/▌ {3}Enter search · Esc cancel/m);
			terminal.type('contract');
			screen = await press(terminal, 'Enter', /\/contract: line 1\b/);
			expect(screen).toMatch(/^ {1,2}1▶ \$ node inspect-contract\.mjs$/m);
			if (size.colour) {
				const coloured = await waitForColours(terminal, /\u001B\[7mcontract\u001B\[(27|0)?m/);
				expect(coloured).toMatch(/1(\u001B\[\d+m)*▶ \$ node inspect-\u001B\[7mcontract/);
			}
			screen = await press(terminal, 'n', /\/contract: line 2\b/);
			expect(screen).toMatch(/^ {1,2}2▶ contract: Prism proxy checks/m);

			// Esc twice: the detail, then the checklist with the cursor where it was.
			await press(terminal, 'Escape', 'result   ✓ passed · exit code 0');
			await press(terminal, 'Escape', /^› ✓ passed\s+Synthetic Tests/m);
			// Space and Enter act on the current phase, wherever the cursor is.
			await press(terminal, 'Space', /Enter: confirm Vorbereitung \(Blue läuft produktiv\)/);
			await press(terminal, 'Enter', /✓ Vorbereitung \(Blue läuft produktiv\)\s+confirmed by alice/);
			await terminal.waitFor(/Enter: confirm Smoke-Tests/);
			terminal.send('Enter');
			await terminal.waitFor(/exit=0/);

			const journal = readFileSync(path.join(session, 'journal.ndjson'), 'utf8');
			// The argv as run is journaled with the step's start, redacted like every other text.
			expect(journal).toContain('"argv":["node","inspect-releases.mjs","--access-token","«redacted»","--app","lokaltreu-api","--json","--image"]');
			expect(journal).not.toContain('fm2_inspect-e2e-secret-token');
		}, 90_000);
	}

	it('the pair’s join view has the same cursor and detail, read-only', async () => {
		const work = mkdtempSync(path.join(os.tmpdir(), 'gl-inspect-pair-'));
		const session = path.join(work, 'session');
		const driver = openTerminal({columns: 100, rows: 30, cwd: work, env: {NO_COLOR: '1'}});
		terminals.push(driver);
		driver.type(`node ${cli} run ${fixture} --session ${session} --operator alice; echo "driver-exit=$?"`);
		driver.send('Enter');
		await driver.waitFor(/not ticked yet \(Space\): "Konfiguration identisch zu Blue"/);

		const pair = openTerminal({columns: 80, rows: 24, cwd: work, env: {NO_COLOR: '1'}});
		terminals.push(pair);
		pair.type(`node ${cli} join --session ${session} --operator bob; echo "pair-exit=$?"`);
		pair.send('Enter');
		await pair.waitFor(/passed\s+Synthetic Tests/);
		await press(pair, 'k', /^› ✓ passed\s+Synthetic Tests/m);
		await press(pair, 'k', /^› ✓ passed\s+Blue-Image festhalten/m);
		const screen = await press(pair, 'l', 'captured blueImage = registry.fly.io/lokaltreu-api:2.3.1');
		expect(screen).toContain('run      node inspect-releases.mjs --access-token «redacted» --app');
		// A tick from the pair's detail view is not the pair's to give.
		pair.send('Space');
		await pair.waitFor('captured blueImage');
		pair.send('q');
		await pair.waitFor(/Leave the pair view\? \(y\/n\)/);
		pair.send('y');
		await pair.waitFor(/pair-exit=\d/);
		expect(driver.screen()).toMatch(/○ pending\s+Konfiguration identisch zu Blue/);

		driver.send('q');
		await driver.waitFor(/Quit\?/);
		driver.send('y');
		await driver.waitFor(/driver-exit=1/);
	}, 60_000);

	it('on the seed rehearsal at 80×24: the blue-image step shows its captured image and argv; the contract step’s log is searchable', async () => {
		const cwd = mkdtempSync(path.join(os.tmpdir(), 'gl-inspect-seed-'));
		const terminal = openTerminal({columns: 80, rows: 24, cwd, env: {NO_COLOR: '1'}});
		terminals.push(terminal);
		terminal.type(`node ${cli} rehearse ${seed} --speed 30 --operator alice; echo "exit=$?"`);
		terminal.send('Enter');
		// Voraussetzungen: three manual steps, then the phase is confirmed.
		await terminal.waitFor(/passed\s+CI-Gates grün/, 60_000);
		for (let ticked = 0; ticked < 3; ticked++) {
			terminal.send('Space');
			await sleep(300);
		}
		await terminal.waitFor(/Enter: confirm Voraussetzungen/);
		terminal.send('Enter');
		// Every automated step of the phase has run: the cursor starts on the manual step.
		await terminal.waitFor(/passed\s+Secrets mit SOPS/, 60_000);

		// From the manual step up past the green deployment to blue's image.
		await press(terminal, 'Up', /^› ✓ passed\s+Green-Deployment/m);
		await press(terminal, 'Up', /^› ✓ passed\s+Blue-Image festhalten/m);
		let screen = await press(terminal, 'Right', 'captured blueImage = registry.fly.io/lokaltreu-api:2.3.1');
		expect(screen).toContain('run      fly releases --app lokaltreu-api --json --image');
		await press(terminal, 'Escape', /^› ✓ passed\s+Blue-Image festhalten/m);
		await press(terminal, 'Escape', /Enter=confirm Space=tick/);
		terminal.send('Space');
		await terminal.waitFor(/Enter: confirm Vorbereitung/);
		terminal.send('Enter');

		// Smoke: once the contract suite passed, open its log and search the word of its first line.
		await terminal.waitFor(/passed\s+Synthetic Tests/, 180_000);
		screen = await press(terminal, 'Up', /^› ✓ passed\s+(Synthetic Tests|Health-Endpunkt)/m);
		if (!/^› ✓ passed\s+Synthetic Tests/m.test(screen)) await press(terminal, 'Down', /^› ✓ passed\s+Synthetic Tests/m);
		await press(terminal, 'Right', /── log logs\/smoke\.contract\.log/);
		await press(terminal, 'g', /── log logs\/smoke\.contract\.log · lines 1–/);
		await press(terminal, '/', /Enter search · Esc cancel/);
		terminal.type('contract');
		screen = await press(terminal, 'Enter', /\/contract: line 1\b/);
		expect(screen).toMatch(/^ {0,2}1▶ \$ greenlight contract --openapi/m);
		await press(terminal, 'Escape', /^› ✓ passed\s+Synthetic Tests/m);
		await press(terminal, 'Escape', /Enter=confirm Space=tick/);
		terminal.send('q');
		await terminal.waitFor(/Quit\?/);
		terminal.send('y');
		// Stopped after the sandbox was taken down: the session can be resumed.
		await terminal.waitFor(/resume with: greenlight rehearse/, 60_000);
	}, 400_000);
});
