import {spawn, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {once} from 'node:events';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {LOCK_FILE} from '../../source/adapters/session-folder.js';
import {acquireSessionLock, type SessionLock} from '../../source/adapters/session-lock.js';
import {builtModule} from '../helpers/built-module.js';

// The lock is the kernel's flock on the session folder; driver.lock only names the holder.

let sessionDir: string;
const children: ChildProcess[] = [];
const held: SessionLock[] = [];

beforeEach(() => {
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'greenlight-lock-'));
	sessionDir = path.join(root, '2026-11-26T23-10-05-ab12');
	fs.mkdirSync(sessionDir);
});

afterEach(async () => {
	for (const lock of held.splice(0)) if (lock.ok) await lock.release();
	for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
	fs.rmSync(path.dirname(sessionDir), {recursive: true, force: true});
});

const lockFile = () => path.join(sessionDir, LOCK_FILE);

const acquire = async (operator: string) => {
	const lock = await acquireSessionLock(sessionDir, {operator});
	held.push(lock);
	return lock;
};

/** Another greenlight: a real process (not this one) that takes the lock and idles until killed. */
const startOtherDriver = async (): Promise<ChildProcess & {pid: number}> => {
	// Plain node cannot load TypeScript: the module bundled for it.
	const module = await builtModule('source/adapters/session-lock.ts');
	const code = `const {acquireSessionLock} = await import(${JSON.stringify(module)}); const lock = await acquireSessionLock(${JSON.stringify(sessionDir)}, {operator: 'carol'}); console.log(lock.ok ? 'locked' : 'refused'); setInterval(() => {}, 1000);`;
	const child = spawn(process.execPath, ['--input-type=module', '-e', code], {stdio: ['ignore', 'pipe', 'inherit']});
	children.push(child);
	const [first] = (await once(child.stdout!, 'data')) as [Buffer];
	expect(first.toString().trim()).toBe('locked');
	return child as ChildProcess & {pid: number};
};

describe('session lock', () => {
	it('given a driver holding the session, when a second driver tries, then it is refused with who drives and how to join', async () => {
		const first = await acquire('alice');
		expect(first.ok).toBe(true);

		const second = await acquire('bob');

		expect(second.ok).toBe(false);
		if (second.ok) return;
		expect(second.holder).toEqual({pid: process.pid, host: os.hostname(), startedAt: expect.any(String), operator: 'alice'});
		expect(second.message).toMatch(
			new RegExp(`^session 2026-11-26T23-10-05-ab12 is driven by alice \\(pid ${process.pid} on ${os.hostname()} since \\d\\d:\\d\\d\\); use \`greenlight join --session ${sessionDir}\` to watch and pair$`),
		);
	});

	it('given a released lock, when another driver tries, then it gets the session and the lock file names it', async () => {
		const first = await acquire('alice');
		if (!first.ok) throw new Error(first.message);
		await first.release();
		expect(fs.existsSync(lockFile())).toBe(false);

		const second = await acquire('bob');

		expect(second.ok).toBe(true);
		expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8'))).toMatchObject({operator: 'bob', pid: process.pid});
		expect(fs.readdirSync(sessionDir)).toEqual([LOCK_FILE]);
	});

	it('given a driver killed with -9, when a new driver starts, then the kernel has dropped its lock and the new driver takes over', async () => {
		const other = await startOtherDriver();
		expect(await acquire('bob')).toMatchObject({ok: false, holder: {pid: other.pid, operator: 'carol'}});

		other.kill('SIGKILL');
		await once(other, 'exit');
		// The flock child sees its stdin close and exits; the lock goes with it (acquire waits for that).
		const taken = await acquire('bob');

		expect(taken.ok).toBe(true);
		expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8'))).toMatchObject({operator: 'bob', pid: process.pid});
	});

	it('given a live driver whose lock file was overwritten with garbage, when another driver starts, then it is still refused (fail closed) and the first keeps running', async () => {
		const other = await startOtherDriver();
		fs.writeFileSync(lockFile(), 'garbage \u001b]0;pwned\u0007');

		const second = await acquire('mallory');

		expect(second).toMatchObject({ok: false, message: expect.stringMatching(/is driven by another greenlight \(its lock file .* is unreadable\)/)});
		expect(other.exitCode).toBeNull();
	});

	it('given a live driver whose lock file was deleted, when another driver starts, then it is still refused', async () => {
		await startOtherDriver();
		fs.rmSync(lockFile());

		expect(await acquire('mallory')).toMatchObject({ok: false});
	});

	it('given a stale lock file of a dead driver with a reused pid, when a driver starts, then it takes the session: only the kernel lock counts', async () => {
		fs.writeFileSync(lockFile(), JSON.stringify({pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), operator: 'ghost'}));

		expect((await acquire('bob')).ok).toBe(true);
	});

	it('given a lock file from another host, when a driver starts, then it is refused (that kernel cannot be asked) and told how to clear it', async () => {
		fs.writeFileSync(lockFile(), JSON.stringify({pid: 999_999, host: 'laptop-of-alice', startedAt: new Date().toISOString(), operator: 'alice'}));

		const second = await acquire('bob');

		expect(second).toMatchObject({ok: false, holder: {host: 'laptop-of-alice', pid: 999_999}});
		expect(!second.ok && second.message).toContain(`delete ${lockFile()}`);
	});
});
