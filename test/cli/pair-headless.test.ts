import {spawn} from 'node:child_process';
import {chmodSync, existsSync, mkdtempSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {once} from 'node:events';
import {setTimeout as sleep} from 'node:timers/promises';
import {describe, expect, it} from 'vitest';
import {readJournal} from '../../source/adapters/journal.js';
import {connectPair} from '../../source/adapters/pair-channel.js';
import type {EngineEvent} from '../../source/engine/events.js';
import {builtModule} from '../helpers/built-module.js';
import {endsWithTest} from '../helpers/processes.js';

const repo = path.resolve(import.meta.dirname, '../..');
const cli = path.join(repo, 'dist/cli/main.js');
const fixture = path.join(repo, 'test/fixtures/e2e/pair.json');

/** The journal so far; a line the driver is still writing is left for the next look. */
const journal = (session: string): EngineEvent[] => {
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

const confirmationsOf = (session: string, phase: string) =>
	journal(session).filter((event): event is Extract<EngineEvent, {type: 'phase-confirmed'}> => event.type === 'phase-confirmed' && event.phase === phase);

/** A driver run with --yes that confirms what it may alone, then waits for the pair. */
const startDriver = (cwd: string, session: string, target?: string) => {
	const driver = endsWithTest(spawn(process.execPath, [cli, 'run', fixture, '--yes', '--json', '--session', session, '--operator', 'alice', ...(target ? ['--target', target] : [])], {cwd, stdio: 'ignore'}));
	const exited = new Promise<number | null>((resolve) => driver.on('exit', resolve));
	return {driver, exited};
};

describe('four eyes without a terminal', () => {
	it('given --yes, a pair phase waits for a second operator; the same operator again is refused, another one completes it, recorded as not verified', async () => {
		const cwd = mkdtempSync(path.join(os.tmpdir(), 'gl-pair-yes-'));
		const session = path.join(cwd, 'session');
		const {driver, exited} = startDriver(cwd, session);
		await until(() => confirmationsOf(session, 'switch').length === 1, 'alice’s confirmation of the pair phase');

		const alice = await connectPair({sessionDir: session, operator: 'alice'});
		expect(await alice.send({type: "confirm", phase: "switch"})).toMatchObject({ok: false, reason: expect.stringMatching(/confirmed by alice, needs a second operator/)});
		alice.close();
		expect(confirmationsOf(session, 'switch')).toHaveLength(1);
		expect(driver.exitCode).toBeNull();
		// The refusal is journaled, for both screens and the record.
		await until(() => journal(session).some((event) => event.type === 'pair-refused' && event.operator === 'alice'), 'the refusal in the journal');

		const bob = await connectPair({sessionDir: session, operator: 'bob'});
		expect(bob.identity).toEqual({operator: 'bob', verified: 'name'});
		expect(await bob.send({type: 'confirm', phase: 'switch'})).toEqual({ok: true});
		expect(await exited).toBe(0);
		expect(confirmationsOf(session, 'switch').map((event) => [event.operator, event.verified])).toEqual([
			['alice', undefined],
			['bob', 'name'],
		]);
		expect(journal(session).at(-1)).toMatchObject({type: 'run-finished', outcome: 'completed'});
	}, 30_000);

	it.runIf(process.getuid?.() === 0)('given uid verification, a pair of the driver’s own Unix user is refused and another Unix user confirms as who the kernel says it is', async () => {
		const cwd = mkdtempSync(path.join(os.tmpdir(), 'gl-pair-uid-'));
		chmodSync(cwd, 0o711);
		const session = path.join(cwd, 'session');
		const {exited} = startDriver(cwd, session, 'shared-host');
		await until(() => confirmationsOf(session, 'switch').length === 1, 'alice’s confirmation of the pair phase');

		await expect(connectPair({sessionDir: session, operator: 'bob'})).rejects.toThrow(/four eyes need another Unix user/);

		const module = await builtModule('source/adapters/pair-channel.ts');
		const code = `const {connectPair} = await import(${JSON.stringify(module)});
const pair = await connectPair({sessionDir: ${JSON.stringify(session)}, operator: 'alice'});
console.log(JSON.stringify(await pair.send({type: 'confirm', phase: 'switch'}))); pair.close();`;
		const nobody = spawn(process.execPath, ['--input-type=module', '-e', code], {uid: 65534, gid: 65534, stdio: ['ignore', 'pipe', 'inherit']});
		let answer = '';
		nobody.stdout.on('data', (chunk) => {
			answer += chunk.toString();
		});
		await once(nobody, 'exit');
		expect(JSON.parse(answer)).toEqual({ok: true});
		expect(await exited).toBe(0);
		// It claimed to be alice; the kernel said nobody.
		expect(confirmationsOf(session, 'switch').map((event) => [event.operator, event.verified])).toEqual([
			['alice', undefined],
			['nobody', 'uid'],
		]);
	}, 30_000);
});
