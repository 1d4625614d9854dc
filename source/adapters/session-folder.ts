import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

// A session is a folder: journal.ndjson, the driver's lock, the step logs and the exports. Folder
// names start with the local start time, so sorting them by name sorts them by age.

export const JOURNAL_FILE = 'journal.ndjson';

export const sessionsRoot = (cwd: string): string => path.join(cwd, '.greenlight', 'sessions');

const pad = (value: number): string => String(value).padStart(2, '0');

const stamp = (now: Date): string =>
	`${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}T${pad(now.getHours())}-${pad(now.getMinutes())}-${pad(now.getSeconds())}`;

/** Creates a fresh session folder, e.g. <root>/2026-11-26T23-10-05-ab12. */
export const newSessionDir = (root: string, now: Date): string => {
	fs.mkdirSync(root, {recursive: true});
	for (;;) {
		const dir = path.join(root, `${stamp(now)}-${randomBytes(2).toString('hex')}`);
		try {
			fs.mkdirSync(dir);
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
