import {mkdtempSync, readFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {openTerminal, type Terminal} from '../helpers/tmux.js';

const repo = path.resolve(import.meta.dirname, '../..');
const cli = path.join(repo, 'dist/cli/main.js');
const fixture = path.join(repo, 'test/fixtures/e2e/pair.json');

describe('pairing: greenlight join in a second terminal', () => {
	const terminals: Terminal[] = [];
	afterEach(() => {
		for (const terminal of terminals.splice(0)) terminal.close();
	});

	it('shows the driver’s progress and gives the second confirmation of a four-eyes phase; one operator alone cannot', async () => {
		const work = mkdtempSync(path.join(os.tmpdir(), 'gl-pair-'));
		const session = path.join(work, 'session');
		const driver = openTerminal({columns: 100, rows: 30, cwd: work, env: {NO_COLOR: '1'}});
		terminals.push(driver);
		driver.type(`node ${cli} run ${fixture} --session ${session} --operator alice; echo "driver-exit=$?"`);
		driver.send('Enter');
		await driver.waitFor(/Enter: confirm Vorbereitung/);
		driver.send('Enter');
		await driver.waitFor(/passed\s+Shift traffic/);

		// Alice confirms once; her second Enter is refused: four eyes need another operator.
		driver.send('Enter');
		await driver.waitFor(/needs a second operator/);
		driver.send('Enter');
		await driver.waitFor(/needs a second operator/);
		expect(driver.screen()).not.toMatch(/driver-exit=\d/);

		const pair = openTerminal({columns: 100, rows: 30, cwd: work, env: {NO_COLOR: '1'}});
		terminals.push(pair);
		pair.type(`node ${cli} join --session ${session} --operator bob; echo "pair-exit=$?"`);
		pair.send('Enter');
		// The pair sees the same progress, and the driver sees the pair.
		const seen = await pair.waitFor(/passed\s+Shift traffic/);
		expect(seen).toMatch(/Vorbereitung\s+confirmed by alice/);
		await driver.waitFor(/operators alice, bob/);

		pair.send('Enter');
		await driver.waitFor(/driver-exit=0/);
		await pair.waitFor(/pair-exit=0/);

		const journal = readFileSync(path.join(session, 'journal.ndjson'), 'utf8')
			.trim()
			.split('\n')
			.map((line) => JSON.parse(line) as {type: string; phase?: string; operator?: string});
		const confirmations = journal.filter((event) => event.type === 'phase-confirmed' && event.phase === 'switch').map((event) => event.operator);
		expect(confirmations).toEqual(['alice', 'bob']);
		expect(journal.some((event) => event.type === 'operator-joined' && event.operator === 'bob')).toBe(true);
	}, 60_000);
});
