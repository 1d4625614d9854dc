import {execFileSync, spawn} from 'node:child_process';
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {connect} from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {afterEach, describe, expect, test} from 'vitest';
import {REHEARSAL_SPEED} from '../../source/cli/usage.js';
import {cleanupStaleSandboxes, startSandbox} from '../../source/sandbox/sandbox.js';
import {SANDBOX_APPS} from '../../source/sandbox/sandbox.js';
import {SANDBOX_CONFIG_FILES} from '../../source/sandbox/fly/app-config.js';
import {builtModule} from '../helpers/built-module.js';
import {alive} from '../helpers/processes.js';
import {GREEN_IMAGE} from './sandbox-fixture.js';

const listening = (port: number): Promise<boolean> =>
	new Promise((resolve) => {
		const socket = connect({host: '127.0.0.1', port});
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
	});

/** Every TCP port this process listens on, read from the kernel's socket table. */
const ownListeningPorts = (): number[] => {
	const inodes = new Set<string>();
	for (const fd of execFileSync('ls', [`/proc/${process.pid}/fd`], {encoding: 'utf8'}).split('\n').filter(Boolean)) {
		try {
			const link = execFileSync('readlink', [`/proc/${process.pid}/fd/${fd}`], {encoding: 'utf8'}).trim();
			const match = /^socket:\[(\d+)\]$/.exec(link);
			if (match) inodes.add(match[1] as string);
		} catch {}
	}
	return readFileSync('/proc/net/tcp', 'utf8')
		.split('\n')
		.slice(1)
		.map((line) => line.trim().split(/\s+/))
		.filter((fields) => fields[3] === '0A' && inodes.has(fields[9] ?? ''))
		.map((fields) => Number.parseInt((fields[1] ?? ':0').split(':')[1] ?? '0', 16));
};

let dirs: string[] = [];
afterEach(() => {
	for (const dir of dirs) rmSync(dir, {recursive: true, force: true});
	dirs = [];
});
const tempDir = () => {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'greenlight-lifecycle-'));
	dirs.push(dir);
	return dir;
};

describe('sandbox lifecycle', () => {
	test('given a running sandbox with green deployed, when stop() runs twice, then no port it listened on is left open', async () => {
		const before = new Set(ownListeningPorts());
		const sandbox = await startSandbox({sessionDir: tempDir(), speed: REHEARSAL_SPEED});
		// Production's traffic, compressed as the rehearsal's time is.
		expect(sandbox.describe()).toContain(`load ${6 * REHEARSAL_SPEED} rps (6 rps × speed ${REHEARSAL_SPEED}) on the public hostname`);
		const {execa} = await import('execa');
		await execa('fly', ['deploy', '--config', SANDBOX_CONFIG_FILES.green, '--app', SANDBOX_APPS.green, '--image', GREEN_IMAGE], {env: sandbox.env});
		const opened = ownListeningPorts().filter((port) => !before.has(port));
		// Routers, metrics endpoint and ten machines (eight blue, two green).
		expect(opened.length).toBeGreaterThanOrEqual(13);
		await Promise.all([sandbox.stop(), sandbox.stop()]);
		await sandbox.stop();
		expect(ownListeningPorts().filter((port) => !before.has(port))).toEqual([]);
		for (const port of opened) expect(await listening(port)).toBe(false);
	});

	test('given two sandboxes at once, then their ports differ and each proxies to its own machines', async () => {
		const first = await startSandbox({sessionDir: tempDir(), speed: REHEARSAL_SPEED});
		const second = await startSandbox({sessionDir: tempDir(), speed: REHEARSAL_SPEED});
		try {
			expect(first.variables.publicUrl).not.toBe(second.variables.publicUrl);
			expect((await fetch(`${first.variables.publicUrl}/health`)).status).toBe(200);
			expect((await fetch(`${second.variables.publicUrl}/health`)).status).toBe(200);
		} finally {
			await first.stop();
			await second.stop();
		}
	});

	test('given a greenlight killed with -9 while a fly stand-in waited, when the next start cleans up, then the stand-in is ended and the record says so', async () => {
		const root = tempDir();
		const sessionDir = path.join(root, 'session-a');
		mkdirSync(sessionDir, {recursive: true});
		const script = path.join(root, 'owner.mjs');
		const sandboxModule = pathToFileURL(await builtModule('source/sandbox/sandbox.ts')).href;
		// The owner starts a sandbox and a stand-in that waits for its stdin; then it is killed with -9.
		writeFileSync(
			script,
			`import {startSandbox} from ${JSON.stringify(sandboxModule)};
import {spawn} from 'node:child_process';
const sandbox = await startSandbox({sessionDir: ${JSON.stringify(sessionDir)}, speed: ${REHEARSAL_SPEED}});
const child = spawn('sh', ['-c', 'sleep 20 | fly secrets import --app lokaltreu-api-green'], {env: {...process.env, ...sandbox.env}, stdio: 'ignore', detached: true});
child.unref();
setTimeout(() => process.stdout.write('ready ' + child.pid + '\\n'), 700);
setInterval(() => {}, 1000);
`,
		);
		const owner = spawn(process.execPath, [script], {stdio: ['ignore', 'pipe', 'inherit']});
		const shellPid = await new Promise<number>((resolve, reject) => {
			owner.stdout.on('data', (chunk: Buffer) => {
				const match = /ready (\d+)/.exec(chunk.toString());
				if (match) resolve(Number(match[1]));
			});
			owner.once('exit', () => reject(new Error('the owner exited before it was ready')));
		});
		const [standIn] = readdirSync(path.join(sessionDir, 'sandbox', 'pids'));
		const standInPid = Number(standIn);
		const record = JSON.parse(readFileSync(path.join(sessionDir, 'sandbox', 'sandbox.json'), 'utf8')) as {pid: number; ports: number[]};
		expect(record.pid).toBe(owner.pid);
		expect(alive(standInPid)).toBe(true);
		owner.kill('SIGKILL');
		await new Promise((resolve) => owner.once('exit', resolve));

		const cleaned = await cleanupStaleSandboxes(root);
		expect(cleaned).toHaveLength(1);
		expect(cleaned[0]).toContain(`killed stand-ins ${standInPid}`);
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(alive(standInPid)).toBe(false);
		for (const port of record.ports) expect(await listening(port)).toBe(false);
		// Cleaned once: the next start finds nothing to do.
		expect(await cleanupStaleSandboxes(root)).toEqual([]);
		process.kill(-shellPid, 'SIGKILL');
	});

	test('given a sandbox whose owner still runs, then cleanup leaves it alone', async () => {
		const root = tempDir();
		const sandbox = await startSandbox({sessionDir: path.join(root, 'live'), speed: REHEARSAL_SPEED});
		try {
			expect(await cleanupStaleSandboxes(root)).toEqual([]);
			expect((await fetch(`${sandbox.variables.publicUrl}/health`)).status).toBe(200);
		} finally {
			await sandbox.stop();
		}
	});

	test('given a world folder, when a second rehearsal\'s sandbox starts in it, then it finds the first one\'s machines, releases and cordons; a second sandbox at once, or a resume in another world, is refused', async () => {
		const world = path.join(tempDir(), 'world');
		const firstSession = tempDir();
		const first = await startSandbox({sessionDir: firstSession, world, speed: REHEARSAL_SPEED});
		const {execa} = await import('execa');
		try {
			await execa('fly', ['deploy', '--config', SANDBOX_CONFIG_FILES.green, '--app', SANDBOX_APPS.green, '--image', GREEN_IMAGE], {env: first.env});
			await expect(startSandbox({sessionDir: tempDir(), world, speed: REHEARSAL_SPEED})).rejects.toThrow(`the world ${world} is in use: another rehearsal's sandbox runs in it`);
		} finally {
			await first.stop();
		}
		expect(readFileSync(path.join(world, 'fly-state.json'), 'utf8')).toContain(GREEN_IMAGE);
		const second = await startSandbox({sessionDir: tempDir(), world, speed: REHEARSAL_SPEED});
		try {
			const listed = await execa('fly', ['machine', 'list', '--app', SANDBOX_APPS.green, '--json'], {env: second.env});
			expect((JSON.parse(listed.stdout) as Array<{config: {image: string}}>).map((machine) => machine.config.image)).toEqual([GREEN_IMAGE, GREEN_IMAGE]);
			expect(second.describe()).toContain(`world ${world}`);
		} finally {
			await second.stop();
		}
		await expect(startSandbox({sessionDir: firstSession, world: tempDir(), speed: REHEARSAL_SPEED})).rejects.toThrow(`this session rehearsed in the world ${world}; resume it with that --world or without one`);
	});
});
