import {execFile} from 'node:child_process';
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {afterEach, describe, expect, it} from 'vitest';
import {openTerminal, type Terminal} from '../helpers/tmux.js';

// The CLI bundle is compiled with V8's code cache (source/cli/load-cli.ts). Each test works on its
// own copy of the built package, so the cache it sees is its own.

const repo = path.resolve(import.meta.dirname, '../..');

const copyOfPackage = (): {dir: string; cli: string; cache: string} => {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'gl-cache-'));
	mkdirSync(path.join(dir, 'dist', 'cli'), {recursive: true});
	copyFileSync(path.join(repo, 'package.json'), path.join(dir, 'package.json'));
	for (const file of ['main.js', 'greenlight.cjs']) copyFileSync(path.join(repo, 'dist', 'cli', file), path.join(dir, 'dist', 'cli', file));
	return {dir, cli: path.join(dir, 'dist', 'cli', 'main.js'), cache: path.join(dir, 'dist', 'cli', 'greenlight.cjs.cache')};
};

/** A runbook whose command outlasts the second after which a command without a checklist writes the cache. */
const slowRunbook = (dir: string): string => {
	const file = path.join(dir, 'slow.json');
	const step = {id: 'wait', title: 'Wait a moment', kind: 'command', idempotent: true, run: ['node', '-e', 'setTimeout(() => {}, 1500)']};
	writeFileSync(file, JSON.stringify({title: 'Slow', phases: [{id: 'one', title: 'One', steps: [step]}]}));
	return file;
};

const runHeadless = (cli: string, runbook: string, cwd: string): Promise<number> =>
	new Promise((resolve) => {
		execFile(process.execPath, [cli, 'run', runbook, '--yes', '--json'], {cwd, timeout: 60_000}, (error) => {
			const code = (error as {code?: unknown} | null)?.code;
			resolve(error ? (typeof code === 'number' ? code : 1) : 0);
		});
	});

let terminal: Terminal | undefined;
afterEach(() => terminal?.close());

describe('the CLI compiled with a code cache', () => {
	it('given no cache, then a command writes one; the next keeps it; a cache V8 refuses is replaced, never a failure', async () => {
		const {dir, cli, cache} = copyOfPackage();
		const runbook = slowRunbook(dir);
		expect(existsSync(cache)).toBe(false);

		expect(await runHeadless(cli, runbook, dir)).toBe(0);
		expect(existsSync(cache)).toBe(true);
		// Readable by anyone who may run this greenlight, although the session's umask is 077.
		expect(statSync(cache).mode & 0o777).toBe(0o644);
		const written = readFileSync(cache);
		expect(written.length).toBeGreaterThan(100_000);

		// Accepted: not written again.
		const before = statSync(cache).mtimeMs;
		expect(await runHeadless(cli, runbook, dir)).toBe(0);
		expect(statSync(cache).mtimeMs).toBe(before);

		// Garbage in its place (a cache of another Node, a torn file): the run works and the cache is made anew.
		writeFileSync(cache, Buffer.alloc(4096, 7));
		expect(await runHeadless(cli, runbook, dir)).toBe(0);
		expect(readFileSync(cache).subarray(0, 64).equals(Buffer.alloc(64, 7))).toBe(false);
		expect(readFileSync(cache).length).toBeGreaterThan(100_000);
	}, 120_000);

	it('given a checklist on a terminal, then the cache is written while the checklist is up, before any key', async () => {
		const {dir, cli, cache} = copyOfPackage();
		const file = path.join(dir, 'manual.json');
		writeFileSync(file, JSON.stringify({title: 'Manual', phases: [{id: 'one', title: 'One', steps: [{id: 'tick', title: 'Tick me', kind: 'manual'}]}]}));
		terminal = openTerminal({columns: 100, rows: 30, cwd: dir});
		terminal.type(`node ${cli} run ${file}`);
		terminal.send('Enter');
		await terminal.waitFor('Tick me');
		// Written right after the frame, before any key: wait for the file, not for a time.
		const deadline = Date.now() + 20_000;
		while (!existsSync(cache) && Date.now() < deadline) await sleep(20);
		expect(existsSync(cache)).toBe(true);
		terminal.send('q');
		await terminal.waitFor(/quit|y\/n|\(y\)/i);
		terminal.send('y');
		await terminal.waitFor('resume with');
	}, 60_000);
});
