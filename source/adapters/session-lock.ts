import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {isProcessRunning, processStartTime} from './process-tree.js';
import {LOCK_FILE, sessionPaths} from './session-folder.js';

// One driver per session: the driver holds <session>/driver.lock. The lock is created complete and
// atomically (written to a private file, then hard-linked into place, which fails if it exists),
// so a second driver never reads half a lock.

export type LockHolder = {pid: number; host: string; startedAt: string; operator: string};

export type SessionLock =
	| {ok: true; release(): void}
	| {ok: false; holder: LockHolder; message: string};

type LockFile = LockHolder & {
	/** The process's start time in clock ticks since boot (Linux), to tell a reused pid from the holder. */
	processStart?: string;
	/** Tells this lock from a successor's, even of the same pid in the same millisecond. */
	token?: string;
};

const isAlive = (holder: LockFile): boolean => {
	if (!isProcessRunning(holder.pid)) return false;
	// A pid reused by another process since the holder died holds nothing.
	const now = processStartTime(holder.pid);
	return !(holder.processStart && now && now !== holder.processStart);
};

const readHolder = (file: string): LockFile | undefined => {
	try {
		const value = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockFile>;
		if (typeof value.pid !== 'number' || typeof value.host !== 'string') return undefined;
		return {
			pid: value.pid,
			host: value.host,
			startedAt: typeof value.startedAt === 'string' ? value.startedAt : '',
			operator: typeof value.operator === 'string' ? value.operator : 'unknown',
			processStart: value.processStart,
			token: value.token,
		};
	} catch {
		return undefined;
	}
};

const clock = (iso: string): string => {
	const date = new Date(iso);
	if (Number.isNaN(date.getTime())) return 'an unknown time';
	return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
};

const sameHolder = (a: LockFile | undefined, b: LockFile): boolean =>
	a !== undefined && a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt && a.token === b.token;

/** Creates the lock file only if there is none, complete from its first byte. */
const create = (draft: string, file: string, content: LockFile) => {
	try {
		fs.linkSync(draft, file);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'EEXIST') throw error;
		// A file system without hard links: exclusive create, then write.
		fs.writeFileSync(file, `${JSON.stringify(content)}\n`, {flag: 'wx'});
	}
};

/** Takes the session for this process, or says who drives it and how to watch instead. */
export const acquireSessionLock = (sessionDir: string, owner: {operator: string}): SessionLock => {
	fs.mkdirSync(sessionDir, {recursive: true});
	const file = sessionPaths(sessionDir).lock;
	const mine: LockFile = {
		pid: process.pid,
		host: os.hostname(),
		startedAt: new Date().toISOString(),
		operator: owner.operator,
		processStart: processStartTime(process.pid),
		token: randomBytes(6).toString('hex'),
	};
	const draft = path.join(sessionDir, `.${LOCK_FILE}.${process.pid}.${randomBytes(3).toString('hex')}`);
	fs.writeFileSync(draft, `${JSON.stringify(mine)}\n`);

	const refuse = (holder: LockFile, why: string): SessionLock => {
		const {processStart: _start, token: _token, ...shown} = holder;
		return {
			ok: false,
			holder: shown,
			message: `session ${path.basename(sessionDir)} is driven by ${holder.operator} (pid ${holder.pid} on ${holder.host} since ${clock(holder.startedAt)})${why}; use \`greenlight join --session ${sessionDir}\` to watch and pair`,
		};
	};

	try {
		// A few rounds at most: taking a stale lock away may race with another driver doing the same.
		for (let attempt = 0; attempt < 3; attempt++) {
			try {
				create(draft, file, mine);
				let released = false;
				return {
					ok: true,
					release() {
						if (released) return;
						released = true;
						// Only our own lock: a successor may hold it by now if we were judged stale.
						if (sameHolder(readHolder(file), mine)) fs.rmSync(file, {force: true});
					},
				};
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
			}
			const holder = readHolder(file);
			if (!holder) {
				// Unreadable: written by hand or damaged; it proves nobody holds the session.
				fs.rmSync(file, {force: true});
				continue;
			}
			if (holder.host !== os.hostname()) {
				return refuse(holder, `; if that process is gone, delete ${file}`);
			}
			if (isAlive(holder)) return refuse(holder, '');
			// Stale: move it aside, and put it back if another process had replaced it in between.
			const aside = `${file}.stale-${process.pid}`;
			try {
				fs.renameSync(file, aside);
			} catch {
				continue;
			}
			if (!sameHolder(readHolder(aside), holder)) {
				try {
					fs.linkSync(aside, file);
				} catch {
					// Someone else holds it now; the next attempt reports them.
				}
			}
			fs.rmSync(aside, {force: true});
		}
		const holder = readHolder(file);
		if (holder) return refuse(holder, '');
		throw new Error(`could not take the lock ${file}; remove it if no greenlight drives this session`);
	} finally {
		fs.rmSync(draft, {force: true});
	}
};
