import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import type {EngineEvent} from '../../source/engine/events.js';
import {openJournal} from '../../source/adapters/journal.js';
import {findResumableSession, latestSession, newSessionDir, sessionsRoot} from '../../source/adapters/session-folder.js';

let cwd: string;
let root: string;

beforeEach(() => {
	cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'greenlight-sessions-'));
	root = sessionsRoot(cwd);
});

afterEach(() => {
	fs.rmSync(cwd, {recursive: true, force: true});
});

const runStarted = (runbookFile: string): EngineEvent => ({
	type: 'run-started',
	ts: 1,
	title: 'Rollout',
	runbookFile,
	target: 'rehearsal',
	operator: 'alice',
	session: 's',
	variables: {},
	secretVariables: [],
});

const session = (at: string, events: EngineEvent[]): string => {
	const dir = newSessionDir(root, new Date(at));
	const journal = openJournal(path.join(dir, 'journal.ndjson'));
	for (const event of events) journal.append(event);
	journal.close();
	return dir;
};

describe('sessions', () => {
	it('given a working directory, then sessions live in .greenlight/sessions and new ones are named by their start time', () => {
		expect(root).toBe(path.join(cwd, '.greenlight', 'sessions'));
		const dir = newSessionDir(root, new Date(2026, 10, 26, 23, 10, 5));
		expect(path.basename(dir)).toMatch(/^2026-11-26T23-10-05-[0-9a-f]{4}$/);
		expect(fs.statSync(dir).isDirectory()).toBe(true);
		expect(newSessionDir(root, new Date(2026, 10, 26, 23, 10, 5))).not.toBe(dir);
	});

	it('given finished and unfinished sessions of two runbooks, when looking for one to resume, then the newest unfinished one of this runbook is found', () => {
		const runbook = path.join(cwd, 'runbook.json');
		const other = path.join(cwd, 'other.json');
		session('2026-11-24T10:00:00', [runStarted(runbook)]);
		const unfinished = session('2026-11-25T10:00:00', [runStarted(runbook), {type: 'note-added', ts: 2, text: 'x', operator: 'a'}]);
		session('2026-11-26T10:00:00', [runStarted(runbook), {type: 'run-finished', ts: 3, outcome: 'completed'}]);
		session('2026-11-27T10:00:00', [runStarted(other)]);

		expect(findResumableSession(root, runbook)).toBe(unfinished);
		expect(findResumableSession(root, path.join(cwd, 'missing.json'))).toBeUndefined();
	});

	it('given no sessions folder, then there is nothing to resume or join', () => {
		expect(findResumableSession(root, 'runbook.json')).toBeUndefined();
		expect(latestSession(root)).toBeUndefined();
	});

	it('given several sessions, when joining without --session, then the newest one with a journal is picked', () => {
		session('2026-11-25T10:00:00', [runStarted('a.json')]);
		const newest = session('2026-11-26T10:00:00', [runStarted('a.json')]);
		newSessionDir(root, new Date('2026-11-27T10:00:00'));

		expect(latestSession(root)).toBe(newest);
	});
});
