import {createHash} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import type {EngineEvent} from '../../source/engine/events.js';
import {followJournal, openJournal, readJournal} from '../../source/adapters/journal.js';

let dir: string;
let file: string;

beforeEach(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'greenlight-journal-'));
	file = path.join(dir, 'journal.ndjson');
});

afterEach(() => {
	vi.restoreAllMocks();
	fs.rmSync(dir, {recursive: true, force: true});
});

const started: EngineEvent = {
	type: 'run-started',
	ts: 1_000,
	title: 'Blue-Green Rollout',
	runbookFile: '/repo/runbook.json',
	target: 'rehearsal',
	operator: 'alice',
	session: 's1',
	variables: {greenApp: 'lokaltreu-api-green'},
	secretVariables: [],
};
const stepStarted = (ts: number, step = 'status'): EngineEvent => ({type: 'step-started', ts, phase: 'smoke', step, attempt: 1});
const note = (ts: number, text: string): EngineEvent => ({type: 'note-added', ts, text, operator: 'bob'});

const writeEvents = (events: EngineEvent[]) => {
	const journal = openJournal(file);
	for (const event of events) journal.append(event);
	journal.close();
};

const fiveEvents = (): EngineEvent[] => [started, stepStarted(2_000), note(3_000, 'eins'), note(4_000, 'zwei'), note(5_000, 'drei')];

/** Waits up to two seconds for what another reader should see by then. */
const until = async (done: () => boolean) => {
	const deadline = Date.now() + 2_000;
	while (!done() && Date.now() < deadline) await sleep(10);
};

const lines = () => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('journal', () => {
	it('given appended events, when read back, then the same events come out and each line carries seq and the previous line hash', () => {
		writeEvents(fiveEvents());

		const read = readJournal(file);

		expect(read).toEqual({ok: true, events: fiveEvents(), warnings: []});
		const [first, second] = lines().map((line) => JSON.parse(line) as Record<string, unknown>);
		expect(first).toMatchObject({seq: 1, prev: 'genesis', type: 'run-started', ts: 1_000, operator: 'alice'});
		expect(second).toMatchObject({seq: 2, prev: sha256(lines()[0]!), type: 'step-started', phase: 'smoke', step: 'status'});
	});

	it('given an open journal, when an event is appended, then its line is written and synced to disk before append returns', () => {
		const journal = openJournal(file);
		const order: string[] = [];
		const realWrite = fs.writeSync;
		const realSync = fs.fdatasyncSync;
		vi.spyOn(fs, 'writeSync').mockImplementation(((...args: unknown[]) => {
			order.push(String(args[1]).startsWith('{') ? 'write line' : 'write head');
			return Reflect.apply(realWrite, fs, args) as number;
		}) as typeof fs.writeSync);
		const sync = vi.spyOn(fs, 'fdatasyncSync').mockImplementation((fd) => {
			order.push('sync');
			realSync(fd);
		});

		journal.append(started);
		order.push('returned');
		journal.close();

		// The line is on disk first; the head that records it follows, both before append returns.
		expect(order).toEqual(['write line', 'sync', 'write head', 'sync', 'returned']);
		expect(sync).toHaveBeenCalledTimes(2);
		expect(lines()).toHaveLength(1);
	});

	it('given a torn last line after a crash, when read, then it is dropped with a warning; when continued, the chain goes on from the last good line', () => {
		writeEvents([started, stepStarted(2_000)]);
		fs.appendFileSync(file, '{"seq":3,"prev":"9f2c","type":"note-add');

		const read = readJournal(file);
		expect(read.ok).toBe(true);
		if (!read.ok) return;
		expect(read.events).toEqual([started, stepStarted(2_000)]);
		expect(read.warnings).toEqual([expect.stringMatching(/line 3: torn last line dropped/)]);

		writeEvents([note(3_000, 'nach dem Absturz')]);

		expect(readJournal(file)).toEqual({ok: true, events: [started, stepStarted(2_000), note(3_000, 'nach dem Absturz')], warnings: []});
		expect(JSON.parse(lines()[2]!)).toMatchObject({seq: 3, prev: sha256(lines()[1]!)});
	});

	it('given a last line that lost only its newline, when continued, then no event is lost and the chain verifies', () => {
		writeEvents([started, stepStarted(2_000)]);
		const text = fs.readFileSync(file, 'utf8');
		fs.writeFileSync(file, text.slice(0, -1));

		expect(readJournal(file)).toEqual({ok: true, events: [started, stepStarted(2_000)], warnings: []});
		writeEvents([note(3_000, 'weiter')]);

		expect(readJournal(file)).toEqual({ok: true, events: [started, stepStarted(2_000), note(3_000, 'weiter')], warnings: []});
	});

	it('given a middle line edited by hand, when read, then the journal is refused naming that line', () => {
		writeEvents(fiveEvents());
		const all = lines();
		all[2] = all[2]!.replace('eins', 'EINS');
		fs.writeFileSync(file, `${all.join('\n')}\n`);

		const read = readJournal(file);

		expect(read).toEqual({ok: false, message: expect.stringMatching(/^journal\.ndjson line 3: hash chain broken \(edited or truncated\)/)});
	});

	it('given a deleted line, when read, then the journal is refused naming where the gap is', () => {
		writeEvents(fiveEvents());
		const all = lines();
		all.splice(2, 1);
		fs.writeFileSync(file, `${all.join('\n')}\n`);

		const read = readJournal(file);

		expect(read).toEqual({ok: false, message: expect.stringMatching(/^journal\.ndjson line 3: sequence number 4 where 3 was expected/)});
	});

	it('given a deleted line whose successors were renumbered, when read, then the hash chain still exposes it', () => {
		writeEvents(fiveEvents());
		const all = lines();
		all.splice(2, 1);
		const renumbered = all.map((line, index) => line.replace(/^\{"seq":\d+/, `{"seq":${index + 1}`));
		fs.writeFileSync(file, `${renumbered.join('\n')}\n`);

		const read = readJournal(file);

		expect(read.ok).toBe(false);
		expect(!read.ok && read.message).toMatch(/hash chain broken/);
	});

	it('given an unreadable line in the middle, when read, then it is not taken for a torn line', () => {
		writeEvents(fiveEvents());
		const all = lines();
		all[1] = '{"seq":2,"prev":"x","type":"step-sta';
		fs.writeFileSync(file, `${all.join('\n')}\n`);

		expect(readJournal(file)).toEqual({ok: false, message: expect.stringMatching(/^journal\.ndjson line 2: not a journal entry/)});
	});

	it('given whole lines removed at the end, when read, then the head exposes the cut', () => {
		writeEvents(fiveEvents());
		fs.writeFileSync(file, `${lines().slice(0, 3).join('\n')}\n`);

		expect(readJournal(file)).toEqual({ok: false, message: 'journal.ndjson: ends at line 3, but its head records 5 events (lines removed at the end)'});
		expect(() => openJournal(file)).toThrow(/lines removed at the end.*refusing to append/);
	});

	it('given the last line edited, when read, then the head exposes it', () => {
		writeEvents(fiveEvents());
		const all = lines();
		all[4] = all[4]!.replace('drei', 'DREI');
		fs.writeFileSync(file, `${all.join('\n')}\n`);

		expect(readJournal(file)).toEqual({ok: false, message: 'journal.ndjson line 5: the last line was edited (it no longer matches the head)'});
	});

	it('given chained lines appended by someone else, or the head deleted, when read, then the journal is refused', () => {
		writeEvents(fiveEvents());
		const forged = (seq: number, prev: string) => JSON.stringify({seq, prev, ...note(9_000 + seq, 'forged')});
		const sixth = forged(6, sha256(lines()[4]!));
		fs.appendFileSync(file, `${sixth}\n${forged(7, sha256(sixth))}\n`);
		expect(readJournal(file)).toEqual({ok: false, message: 'journal.ndjson: 2 lines after line 5 were not written by greenlight'});

		fs.rmSync(file);
		fs.rmSync(`${file}.head`);
		writeEvents(fiveEvents());
		fs.rmSync(`${file}.head`);
		expect(readJournal(file)).toEqual({ok: false, message: 'journal.ndjson.head is missing (deleted?); the end of the journal cannot be verified'});
	});

	it('given greenlight stopped between a line and its head, when read and continued, then nothing is reported and the chain goes on', () => {
		writeEvents(fiveEvents().slice(0, 4));
		const head = fs.readFileSync(`${file}.head`);
		writeEvents([fiveEvents()[4]!]);
		// The head as it was before the last append: one line behind.
		fs.writeFileSync(`${file}.head`, head);

		expect(readJournal(file)).toEqual({ok: true, events: fiveEvents(), warnings: []});
		writeEvents([note(6_000, 'vier')]);
		expect(readJournal(file)).toMatchObject({ok: true, events: [...fiveEvents(), note(6_000, 'vier')]});
	});

	it('given events appended together, when read, then they were one write and one sync, each line but the last says how many follow, and they read back as events', () => {
		const journal = openJournal(file);
		journal.append(started);
		const writes = vi.spyOn(fs, 'writeSync');
		const syncs = vi.spyOn(fs, 'fdatasyncSync');
		journal.appendAll([stepStarted(2_000), note(3_000, 'eins'), note(4_000, 'zwei')]);
		// The lines, then the head: two writes and two syncs for the three events.
		expect(writes).toHaveBeenCalledTimes(2);
		expect(syncs).toHaveBeenCalledTimes(2);
		journal.appendAll([]);
		expect(writes).toHaveBeenCalledTimes(2);
		journal.close();

		expect(lines().map((line) => (JSON.parse(line) as {more?: number}).more)).toEqual([undefined, 2, 1, undefined]);
		expect(readJournal(file)).toEqual({ok: true, events: [started, stepStarted(2_000), note(3_000, 'eins'), note(4_000, 'zwei')], warnings: []});
	});

	it('given greenlight stopped between a write of several lines and its head, when read, then the head may lag by that write and no further', () => {
		writeEvents([started, stepStarted(2_000)]);
		const head = fs.readFileSync(`${file}.head`);
		const journal = openJournal(file);
		journal.appendAll([note(3_000, 'eins'), note(4_000, 'zwei'), note(5_000, 'drei')]);
		journal.close();
		fs.writeFileSync(`${file}.head`, head);
		const events = [started, stepStarted(2_000), note(3_000, 'eins'), note(4_000, 'zwei'), note(5_000, 'drei')];
		expect(readJournal(file)).toEqual({ok: true, events, warnings: []});

		// Killed inside the write: the lines that made it are kept, the torn one is dropped.
		const all = lines();
		fs.writeFileSync(file, `${all.slice(0, 4).join('\n')}\n${all[4]!.slice(0, 20)}`);
		expect(readJournal(file)).toMatchObject({ok: true, events: events.slice(0, 4), warnings: [expect.stringMatching(/line 5: torn last line dropped/)]});

		// A line forged after the write is more than the head may lag.
		fs.writeFileSync(file, `${all.join('\n')}\n`);
		fs.appendFileSync(file, `${JSON.stringify({seq: 6, prev: sha256(all[4]!), ...note(6_000, 'forged')})}\n`);
		expect(readJournal(file)).toEqual({ok: false, message: 'journal.ndjson: 4 lines after line 2 were not written by greenlight'});

		// The line before the write edited: the head that lags still exposes it.
		all[1] = all[1]!.replace('"attempt":1', '"attempt":2');
		const rechained = [all[0]!, all[1]!];
		for (const line of all.slice(2)) rechained.push(JSON.stringify({...(JSON.parse(line) as object), prev: sha256(rechained.at(-1)!)}));
		fs.writeFileSync(file, `${rechained.join('\n')}\n`);
		expect(readJournal(file)).toEqual({ok: false, message: 'journal.ndjson line 2: the line was edited (it no longer matches the head)'});
	});

	it('given a tampered journal, when opened for appending, then it refuses instead of extending it', () => {
		writeEvents(fiveEvents());
		const all = lines();
		all[1] = all[1]!.replace('"attempt":1', '"attempt":2');
		fs.writeFileSync(file, `${all.join('\n')}\n`);

		expect(() => openJournal(file)).toThrow(/line 2: hash chain broken.*refusing to append/);
	});
});

describe('followJournal', () => {
	it('given a second reader following, when the driver appends, then the reader gets the new events promptly and in order', async () => {
		const driver = openJournal(file);
		driver.append(started);
		const received: Array<{event: EngineEvent; at: number}> = [];
		const stop = followJournal(file, (events) => {
			for (const event of events) received.push({event, at: Date.now()});
		});
		try {
			await sleep(50);
			expect(received).toEqual([]);

			const appendedAt = Date.now();
			driver.append(stepStarted(2_000));
			driver.append(note(3_000, 'hallo'));
			await until(() => received.length >= 2);

			expect(received.map((entry) => entry.event)).toEqual([stepStarted(2_000), note(3_000, 'hallo')]);
			expect(received[1]!.at - appendedAt).toBeLessThan(400);
		} finally {
			stop();
			driver.close();
		}
	});

	it('given `after`, when following starts, then the events after that seq are delivered first', async () => {
		writeEvents(fiveEvents());
		const received: EngineEvent[] = [];
		const stop = followJournal(file, (events) => received.push(...events), {after: 3});
		try {
			await until(() => received.length >= 2);
			expect(received).toEqual(fiveEvents().slice(3));
		} finally {
			stop();
		}
	});

	it('given a half-written line, when followed, then it waits for the rest instead of failing', async () => {
		writeEvents([started]);
		const received: EngineEvent[] = [];
		const errors: string[] = [];
		const stop = followJournal(file, (events) => received.push(...events), {onError: (message) => errors.push(message)});
		try {
			const journalLine = JSON.stringify({seq: 2, prev: sha256(lines()[0]!), ...stepStarted(2_000)});
			fs.appendFileSync(file, journalLine.slice(0, 20));
			await sleep(250);
			expect(received).toEqual([]);
			fs.appendFileSync(file, `${journalLine.slice(20)}\n`);
			await until(() => received.length >= 1);
			expect(received).toEqual([stepStarted(2_000)]);
			expect(errors).toEqual([]);
		} finally {
			stop();
		}
	});

	it('given a forged line appended by someone else, when followed, then following stops with the reason', async () => {
		writeEvents([started]);
		const errors: string[] = [];
		const received: EngineEvent[] = [];
		const stop = followJournal(file, (events) => received.push(...events), {onError: (message) => errors.push(message)});
		try {
			fs.appendFileSync(file, `${JSON.stringify({seq: 2, prev: 'genesis', ...note(2_000, 'gefälscht')})}\n`);
			await until(() => errors.length > 0);
			expect(errors).toEqual([expect.stringMatching(/line 1: hash chain broken.*stopped following/)]);
			expect(received).toEqual([]);
		} finally {
			stop();
		}
	});
});
