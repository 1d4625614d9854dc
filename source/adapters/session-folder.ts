import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type {EngineEvent} from '../engine/events.js';
import {readJournal} from './journal.js';

// The one owner of a session folder: what lives where (journal, logs, lock, exports, the
// record of running children, the rehearsal sandbox), where sessions are kept and how they are
// found, and whether one may be resumed. `run`, `join` and `export` all open a session through here.
// Folder names start with the local start time, so sorting them by name sorts them by age.

export const JOURNAL_FILE = 'journal.ndjson';
export const LOCK_FILE = 'driver.lock';

/** Every path inside a session folder. */
export type SessionPaths = {
	dir: string;
	/** The folder name, shown as the session's id. */
	id: string;
	/** One event per line, hash-chained (journal.ts). */
	journal: string;
	/** Full output of each step, one file per step (step-output.ts). */
	logs: string;
	/** Who drives the session (session-lock.ts). */
	lock: string;
	/** Process groups still running, so a greenlight killed with -9 can be cleaned up after. */
	children: string;
	/** The observability snapshot: dashboard.json and the command logs. */
	exports: string;
	/** The rehearsal sandbox's state and stand-ins. */
	sandbox: string;
};

export const sessionPaths = (dir: string): SessionPaths => ({
	dir,
	id: path.basename(dir),
	journal: path.join(dir, JOURNAL_FILE),
	logs: path.join(dir, 'logs'),
	lock: path.join(dir, LOCK_FILE),
	children: path.join(dir, 'children.json'),
	exports: path.join(dir, 'export'),
	sandbox: path.join(dir, 'sandbox'),
});

export const sessionsRoot = (cwd: string): string => path.join(cwd, '.greenlight', 'sessions');

const pad = (value: number): string => String(value).padStart(2, '0');

const stamp = (now: Date): string =>
	`${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}T${pad(now.getHours())}-${pad(now.getMinutes())}-${pad(now.getSeconds())}`;

/** Creates a fresh session folder, e.g. <root>/2026-11-26T23-10-05-ab12, readable by its owner only. */
export const newSessionDir = (root: string, now: Date): string => {
	fs.mkdirSync(root, {recursive: true, mode: 0o700});
	for (;;) {
		const dir = path.join(root, `${stamp(now)}-${randomBytes(2).toString('hex')}`);
		try {
			fs.mkdirSync(dir, {mode: 0o700});
			return dir;
		} catch (error) {
			// Two sessions started in the same second with the same suffix: draw again.
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
		}
	}
};

/** Session folders with a journal, newest first. */
const sessionsNewestFirst = (root: string): string[] => {
	let names: string[];
	try {
		names = fs.readdirSync(root, {withFileTypes: true}).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
	} catch {
		return [];
	}
	return names
		.sort()
		.reverse()
		.map((name) => path.join(root, name))
		.filter((dir) => fs.existsSync(path.join(dir, JOURNAL_FILE)));
};

const parseLine = (line: string): Record<string, unknown> | undefined => {
	try {
		const value: unknown = JSON.parse(line);
		return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
	} catch {
		return undefined;
	}
};

/**
 * The newest session of this runbook file that did not finish (or only stopped). Only looks at the first line and
 * for a run-finished line: the caller verifies the whole journal before it resumes, so a damaged
 * journal is reported there instead of being skipped here.
 */
export const findResumableSession = (root: string, runbookFile: string): string | undefined => {
	const wanted = path.resolve(runbookFile);
	return sessionsNewestFirst(root).find((dir) => {
		let text: string;
		try {
			text = fs.readFileSync(path.join(dir, JOURNAL_FILE), 'utf8');
		} catch {
			return false;
		}
		const lines = text.split('\n');
		const first = parseLine(lines[0] ?? '');
		if (first?.type !== 'run-started' || typeof first.runbookFile !== 'string') return false;
		if (path.resolve(first.runbookFile) !== wanted) return false;
		// A run that stopped (quit, Ctrl-C, an unknown outcome) can be resumed; one that ended cannot.
		const finish = lines.filter((line) => line.includes('"run-finished"')).map(parseLine).filter((entry) => entry?.type === 'run-finished').at(-1);
		return finish === undefined || finish.outcome === 'stopped';
	});
};

/** The newest session that has a journal (for join and export without --session). */
export const latestSession = (root: string): string | undefined => sessionsNewestFirst(root)[0];

/** The folder a run works in: --session, else (when `resume`) the runbook's unfinished session, else a new one. */
export const sessionForRun = (options: {session?: string; cwd: string; runbookFile: string; resume: boolean}): string => {
	if (options.session) return path.resolve(options.session);
	const root = sessionsRoot(options.cwd);
	return (options.resume ? findResumableSession(root, options.runbookFile) : undefined) ?? newSessionDir(root, new Date());
};

/** A session folder as `join` and `export` find it: --session, or the newest one here. */
export const pickSession = (session: string | undefined, cwd: string): string | undefined =>
	session ? path.resolve(session) : latestSession(sessionsRoot(cwd));

export type SessionRead = {ok: true; events: EngineEvent[]; warnings: string[]} | {ok: false; message: string};

/**
 * The first symbolic link inside a session folder, if any. greenlight writes its journal, logs and
 * exports there; a planted link would turn those writes into writes somewhere else.
 */
export const linkInside = (dir: string): string | undefined => {
	const visit = (folder: string, depth: number): string | undefined => {
		let entries: fs.Dirent[];
		try {
			entries = fs.readdirSync(folder, {withFileTypes: true});
		} catch {
			return undefined;
		}
		for (const entry of entries) {
			const full = path.join(folder, entry.name);
			if (entry.isSymbolicLink()) return full;
			// The sandbox's own state is ours and deep; the journal, logs and exports are near the top.
			if (entry.isDirectory() && depth < 3 && entry.name !== 'node_modules') {
				const found = visit(full, depth + 1);
				if (found) return found;
			}
		}
		return undefined;
	};
	return visit(dir, 0);
};

/** The events of a session so far: none for a new folder, a refusal for a damaged journal or a planted link. */
export const readSession = (dir: string): SessionRead => {
	const link = linkInside(dir);
	if (link) return {ok: false, message: `${link} is a symbolic link; greenlight does not follow links inside a session folder (a write there could land anywhere). Remove it, or start a new session with --session <new dir>.`};
	const file = sessionPaths(dir).journal;
	if (!fs.existsSync(file)) return {ok: true, events: [], warnings: []};
	const read = readJournal(file);
	if (!read.ok) return {ok: false, message: `${read.message}\nThe journal was not used. Inspect ${file}; start a new session with --session <new dir>.`};
	return {ok: true, events: read.events, warnings: read.warnings};
};

/**
 * Why a session cannot be resumed for a run on `target`, in words; undefined when it can. A run
 * that ended is over, and half a release on one target and half on another is two releases mixed
 * into one record.
 */
export const resumeRefusal = (
	dir: string,
	events: readonly EngineEvent[],
	target: string,
	runbook: {file: string; sha256: string},
): string | undefined => {
	const lastFinish = events.filter((event) => event.type === 'run-finished').at(-1);
	if (lastFinish && lastFinish.outcome !== 'stopped') {
		return `session ${dir} has ended (${lastFinish.outcome}); start a new one with --session <new dir>, or export it with greenlight export`;
	}
	const started = events.find((event) => event.type === 'run-started');
	if (started && path.resolve(started.runbookFile) !== path.resolve(runbook.file)) {
		return `session ${dir} runs the runbook ${started.runbookFile}, not ${runbook.file}; resume it with its own runbook, or start a new session with --session <new dir>`;
	}
	if (started?.runbookSha256 && started.runbookSha256 !== runbook.sha256) {
		return `the runbook ${runbook.file} changed since session ${dir} started (sha256 ${started.runbookSha256.slice(0, 12)}… then, ${runbook.sha256.slice(0, 12)}… now); a release does not change its steps half-way: resume with the runbook it started with, or start a new session with --session <new dir>`;
	}
	if (started && started.target !== target) {
		return `session ${dir} started on target "${started.target || 'default'}"; resume it with --target ${started.target || '""'}, or start a new session with --session <new dir>`;
	}
	return undefined;
};
