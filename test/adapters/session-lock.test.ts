import {spawn, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {once} from 'node:events';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {LOCK_FILE} from '../../source/adapters/session-folder.js';
import {acquireSessionLock} from '../../source/adapters/session-lock.js';

let sessionDir: string;
const children: ChildProcess[] = [];

beforeEach(() => {
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'greenlight-lock-'));
	sessionDir = path.join(root, '2026-11-26T23-10-05-ab12');
	fs.mkdirSync(sessionDir);
});

afterEach(() => {
	for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
	fs.rmSync(path.dirname(sessionDir), {recursive: true, force: true});
});

const lockFile = () => path.join(sessionDir, LOCK_FILE);

/** A real process that idles until killed. */
const startIdleProcess = async (): Promise<ChildProcess & {pid: number}> => {
	const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000); console.log("ready")'], {stdio: ['ignore', 'pipe', 'inherit']});
	children.push(child);
	await once(child.stdout!, 'data');
	return child as ChildProcess & {pid: number};
};

/** Hands the current lock file to another process, as if that process had acquired it. */
const handLockTo = (pid: number, changes: Record<string, unknown> = {}) => {
	const lock = JSON.parse(fs.readFileSync(lockFile(), 'utf8')) as Record<string, unknown>;
	const start = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
	const processStart = start.slice(start.lastIndexOf(')') + 2).split(' ')[19];
	fs.writeFileSync(lockFile(), JSON.stringify({...lock, pid, processStart, ...changes}));
};

describe('session lock', () => {
	it('given a driver holding the session, when a second driver tries, then it is refused with who drives and how to join', () => {
		const first = acquireSessionLock(sessionDir, {operator: 'alice'});
		expect(first.ok).toBe(true);

		const second = acquireSessionLock(sessionDir, {operator: 'bob'});

		expect(second.ok).toBe(false);
		if (second.ok) return;
		expect(second.holder).toEqual({pid: process.pid, host: os.hostname(), startedAt: expect.any(String), operator: 'alice'});
		expect(second.message).toMatch(
			new RegExp(`^session 2026-11-26T23-10-05-ab12 is driven by alice \\(pid ${process.pid} on ${os.hostname()} since \\d\\d:\\d\\d\\); use \`greenlight join --session ${sessionDir}\` to watch and pair$`),
		);
	});

	it('given a released lock, when another driver tries, then it gets the session and the lock file names it', () => {
		const first = acquireSessionLock(sessionDir, {operator: 'alice'});
		if (!first.ok) throw new Error(first.message);
		first.release();
		expect(fs.existsSync(lockFile())).toBe(false);

		const second = acquireSessionLock(sessionDir, {operator: 'bob'});

		expect(second.ok).toBe(true);
		expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8'))).toMatchObject({operator: 'bob', pid: process.pid});
		expect(fs.readdirSync(sessionDir)).toEqual([LOCK_FILE]);
	});

	it('given the lock of a driver that was killed, when a new driver starts, then it takes the stale lock over', async () => {
		const crashed = await startIdleProcess();
		const taken = acquireSessionLock(sessionDir, {operator: 'alice'});
		if (!taken.ok) throw new Error(taken.message);
		handLockTo(crashed.pid);

		const whileAlive = acquireSessionLock(sessionDir, {operator: 'bob'});
		expect(whileAlive).toMatchObject({ok: false, holder: {pid: crashed.pid, operator: 'alice'}});

		crashed.kill('SIGKILL');
		await once(crashed, 'exit');
		const afterCrash = acquireSessionLock(sessionDir, {operator: 'bob'});

		expect(afterCrash.ok).toBe(true);
		expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8'))).toMatchObject({operator: 'bob', pid: process.pid});
		expect(fs.readdirSync(sessionDir)).toEqual([LOCK_FILE]);
	});

	it('given a stale lock whose pid now belongs to another process, when a driver starts, then it is still taken over', async () => {
		const other = await startIdleProcess();
		const taken = acquireSessionLock(sessionDir, {operator: 'alice'});
		if (!taken.ok) throw new Error(taken.message);
		handLockTo(other.pid, {processStart: '1'});

		expect(acquireSessionLock(sessionDir, {operator: 'bob'}).ok).toBe(true);
	});

	it('given a lock from another host, when a driver starts, then it is refused (liveness cannot be checked) and told how to clear it', () => {
		const taken = acquireSessionLock(sessionDir, {operator: 'alice'});
		if (!taken.ok) throw new Error(taken.message);
		handLockTo(process.pid, {host: 'laptop-of-alice', pid: 999_999});

		const second = acquireSessionLock(sessionDir, {operator: 'bob'});

		expect(second).toMatchObject({ok: false, holder: {host: 'laptop-of-alice', pid: 999_999}});
		expect(!second.ok && second.message).toContain(`delete ${lockFile()}`);
	});

	it('given a driver judged stale and replaced, when it releases, then the successor keeps its lock', async () => {
		const old = acquireSessionLock(sessionDir, {operator: 'alice'});
		if (!old.ok) throw new Error(old.message);
		const gone = await startIdleProcess();
		handLockTo(gone.pid);
		gone.kill('SIGKILL');
		await once(gone, 'exit');
		const successor = acquireSessionLock(sessionDir, {operator: 'bob'});
		expect(successor.ok).toBe(true);

		old.release();

		expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8'))).toMatchObject({operator: 'bob'});
	});
});
