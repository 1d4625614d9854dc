import {spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {printable} from '../engine/printable.js';
import {isProcessRunning} from './process-tree.js';
import {LOCK_FILE, sessionPaths} from './session-folder.js';

// One driver per session, enforced by the kernel: the driver holds an flock(2) on the session
// folder for its whole life, through a small `flock … cat` child whose standard input is a pipe from
// greenlight. When greenlight ends — even by kill -9 — the pipe closes, `cat` exits and the kernel
// drops the lock: a lock can neither outlive its driver nor be taken from a live one. Nothing in a
// file decides who holds it; <session>/driver.lock only says who that is, for the message a second
// driver gets. An unreadable or foreign lock file therefore changes nothing: if the kernel says the
// folder is locked, it is held (fail closed); if not, nobody drives it.

export type LockHolder = {pid: number; host: string; startedAt: string; operator: string};

export type SessionLock =
	/** release() resolves once the kernel has dropped the lock. */
	| {ok: true; release(): Promise<void>}
	| {ok: false; holder?: LockHolder; message: string};

type LockFile = LockHolder & {
	/** Tells this lock from a successor's, even of the same pid in the same millisecond. */
	token?: string;
};

/** flock's exit code when the lock is held by someone else (--conflict-exit-code). */
const HELD = 75;

/** How long a lock named for a dead process may take to be dropped by the kernel. */
const DEAD_HOLDER_GRACE_MS = 3000;

/** The named holder is a process of this host that no longer runs. */
const holderIsGone = (holder: LockFile | undefined): boolean => holder !== undefined && holder.host === os.hostname() && !isProcessRunning(holder.pid);

const readHolder = (file: string): LockFile | undefined => {
	try {
		const value = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockFile>;
		if (typeof value.pid !== 'number' || typeof value.host !== 'string') return undefined;
		return {
			pid: value.pid,
			host: printable(value.host),
			startedAt: typeof value.startedAt === 'string' ? value.startedAt : '',
			// Written by whoever could write the file: shown, never obeyed.
			operator: typeof value.operator === 'string' ? printable(value.operator).slice(0, 64) : 'unknown',
			token: typeof value.token === 'string' ? value.token : undefined,
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

type Flock = {ok: true; release(): Promise<void>} | {ok: false; held: boolean; reason: string};

/** Takes the kernel's lock on `dir` through a child that holds it until our end of its stdin closes. */
const flockFolder = (dir: string): Promise<Flock> =>
	new Promise((resolve) => {
		// `dir` is an argument of flock, never part of the script: the script is a constant.
		const holder = spawn('flock', ['--exclusive', '--nonblock', '--conflict-exit-code', String(HELD), dir, '-c', 'echo locked; exec cat >/dev/null'], {
			stdio: ['pipe', 'pipe', 'pipe'],
			// Its own process group: a Ctrl-C meant for greenlight must not drop the lock while greenlight still writes.
			detached: true,
		});
		let stderr = '';
		let settled = false;
		const settle = (answer: Flock) => {
			if (settled) return;
			settled = true;
			resolve(answer);
		};
		holder.stderr.on('data', (chunk: Buffer) => {
			stderr += chunk.toString();
		});
		holder.stdout.on('data', (chunk: Buffer) => {
			if (!chunk.toString().includes('locked')) return;
			holder.stdout.destroy();
			holder.stderr.destroy();
			// Neither the child nor its pipe keeps greenlight alive; closing the pipe is the release.
			holder.unref();
			(holder.stdin as unknown as {unref?: () => void}).unref?.();
			const exited = new Promise<void>((done) => {
				if (holder.exitCode !== null || holder.signalCode !== null) done();
				else holder.once('exit', () => done());
			});
			settle({
				ok: true,
				release() {
					// Waiting for the release must keep greenlight alive until the kernel has let go.
					holder.ref();
					holder.stdin.end();
					holder.kill('SIGTERM');
					return exited;
				},
			});
		});
		holder.on('error', (error) => {
			settle({ok: false, held: false, reason: `cannot take the session's OS lock: ${error.message} (greenlight needs flock from util-linux)`});
		});
		holder.on('exit', (code) => {
			if (code === HELD) settle({ok: false, held: true, reason: 'held'});
			else settle({ok: false, held: false, reason: `cannot take the session's OS lock: flock exited ${code ?? 'by a signal'}${stderr.trim() ? `: ${stderr.trim()}` : ''}`});
		});
	});

/** Takes the session for this process, or says who drives it and how to watch instead. */
export const acquireSessionLock = async (sessionDir: string, owner: {operator: string}): Promise<SessionLock> => {
	fs.mkdirSync(sessionDir, {recursive: true, mode: 0o700});
	const file = sessionPaths(sessionDir).lock;
	const join = `use \`greenlight join --session ${sessionDir}\` to watch and pair`;
	let flock = await flockFolder(sessionDir);
	// A driver killed a moment ago: its flock child is about to see the pipe close and let go.
	for (let waited = 0; !flock.ok && flock.held && waited < DEAD_HOLDER_GRACE_MS && holderIsGone(readHolder(file)); waited += 50) {
		await new Promise((resolve) => setTimeout(resolve, 50));
		flock = await flockFolder(sessionDir);
	}
	if (!flock.ok) {
		// Whatever is in the file, the kernel says the session is driven: refuse (fail closed).
		if (!flock.held) return {ok: false, message: flock.reason};
		const holder = readHolder(file);
		if (!holder) return {ok: false, message: `session ${path.basename(sessionDir)} is driven by another greenlight (its lock file ${file} is unreadable); ${join}`};
		return {
			ok: false,
			holder: {pid: holder.pid, host: holder.host, startedAt: holder.startedAt, operator: holder.operator},
			message: `session ${path.basename(sessionDir)} is driven by ${holder.operator} (pid ${holder.pid} on ${holder.host} since ${clock(holder.startedAt)}); ${join}`,
		};
	}
	const earlier = readHolder(file);
	if (earlier && earlier.host !== os.hostname()) {
		// A lock taken on another machine (a shared folder) is not visible to this kernel: it may still be held.
		await flock.release();
		return {
			ok: false,
			holder: {pid: earlier.pid, host: earlier.host, startedAt: earlier.startedAt, operator: earlier.operator},
			message: `session ${path.basename(sessionDir)} is driven by ${earlier.operator} (pid ${earlier.pid} on ${earlier.host} since ${clock(earlier.startedAt)}); if that process is gone, delete ${file}; ${join}`,
		};
	}
	const mine: LockFile = {
		pid: process.pid,
		host: os.hostname(),
		startedAt: new Date().toISOString(),
		operator: owner.operator,
		token: randomBytes(6).toString('hex'),
	};
	// Whatever an earlier, dead driver left there is replaced whole.
	const draft = path.join(sessionDir, `.${LOCK_FILE}.${process.pid}.${randomBytes(3).toString('hex')}`);
	fs.writeFileSync(draft, `${JSON.stringify(mine)}\n`, {mode: 0o600, flag: 'wx'});
	fs.renameSync(draft, file);
	let released = false;
	return {
		ok: true,
		async release() {
			if (released) return;
			released = true;
			if (readHolder(file)?.token === mine.token) fs.rmSync(file, {force: true});
			await flock.release();
		},
	};
};
