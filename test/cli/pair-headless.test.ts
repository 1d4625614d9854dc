import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {describe, expect, it} from 'vitest';
import {readJournal} from '../../source/adapters/journal.js';
import {postToInbox} from '../../source/adapters/session-inbox.js';

const repo = path.resolve(import.meta.dirname, '../..');
const cli = path.join(repo, 'dist/cli/main.js');
const fixture = path.join(repo, 'test/fixtures/e2e/pair.json');

/** The journal so far; a line the driver is still writing is left for the next look. */
const journalTypes = (session: string): Array<{type: string; phase?: string; operator?: string}> => {
	const file = path.join(session, 'journal.ndjson');
	if (!existsSync(file)) return [];
	const read = readJournal(file);
	return read.ok ? read.events : [];
};

const until = async (check: () => boolean, what: string) => {
	const deadline = Date.now() + 15_000;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await sleep(50);
	}
};

describe('four eyes without a terminal', () => {
	it('given --yes, a pair phase waits for a second operator; the same operator again is refused, another one completes it', async () => {
		const cwd = mkdtempSync(path.join(os.tmpdir(), 'gl-pair-yes-'));
		const session = path.join(cwd, 'session');
		const driver = spawn(process.execPath, [cli, 'run', fixture, '--yes', '--json', '--session', session, '--operator', 'alice'], {cwd, stdio: 'ignore'});
		const exited = new Promise<number | null>((resolve) => driver.on('exit', resolve));
		const firstConfirmation = () => journalTypes(session).some((event) => event.type === 'phase-confirmed' && event.phase === 'switch');
		await until(firstConfirmation, 'alice’s confirmation of the pair phase');

		postToInbox(session, {operator: 'alice', intent: {type: 'confirm'}});
		await sleep(600);
		expect(journalTypes(session).filter((event) => event.type === 'phase-confirmed' && event.phase === 'switch')).toHaveLength(1);
		expect(driver.exitCode).toBeNull();

		postToInbox(session, {operator: 'bob', joined: true});
		postToInbox(session, {operator: 'bob', intent: {type: 'confirm'}});
		expect(await exited).toBe(0);
		const events = journalTypes(session);
		expect(events.filter((event) => event.type === 'phase-confirmed' && event.phase === 'switch').map((event) => event.operator)).toEqual(['alice', 'bob']);
		expect(events.at(-1)).toMatchObject({type: 'run-finished', outcome: 'completed'});
	}, 30_000);
});
