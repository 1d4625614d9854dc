import {execFile, spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {afterAll, describe, expect, it} from 'vitest';
import {endsWithTest} from '../helpers/processes.js';
import {readJournal} from '../../source/adapters/journal.js';
import {checkStepLogs} from '../../source/adapters/step-output.js';
import type {EngineEvent} from '../../source/engine/events.js';

const repo = path.resolve(import.meta.dirname, '../..');
const cli = path.join(repo, 'dist/cli/main.js');
const runbook = path.join(repo, 'test/fixtures/e2e/million-lines.json');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'gl-output-kill-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

type Run = {code: number; stdout: string; stderr: string};

const runFile = (file: string, session: string, extra: string[] = []): Promise<Run> =>
	new Promise((resolve) => {
		execFile(process.execPath, [cli, 'run', file, '--yes', '--json', '--session', session, ...extra], {cwd: scratch, timeout: 120_000, maxBuffer: 16 * 1024 * 1024}, (error, stdout, stderr) => {
			const code = (error as {code?: unknown} | null)?.code;
			resolve({code: error ? (typeof code === 'number' ? code : 1) : 0, stdout, stderr});
		});
	});

const run = (session: string, extra: string[] = []): Promise<Run> => runFile(runbook, session, extra);

const sizeOf = (file: string) => (existsSync(file) ? statSync(file).size : 0);

const journalOf = (session: string): EngineEvent[] => {
	const read = readJournal(path.join(session, 'journal.ndjson'));
	if (!read.ok) throw new Error(read.message);
	return read.events;
};

const COMMAND_LINE = '$ node million-lines.mjs';

describe('step logs across kill -9 and resume', () => {
	it('given greenlight killed while the log grows, then the log holds every line up to the kill, resume treats the step as outcome unknown, and a re-run completes it', async () => {
		const session = path.join(scratch, 'session');
		const log = path.join(session, 'logs', 'out.lines.log');
		const victim = endsWithTest(spawn(process.execPath, [cli, 'run', runbook, '--yes', '--json', '--session', session], {cwd: scratch, stdio: 'ignore'}));
		const exited = new Promise((resolve) => victim.on('exit', resolve));
		// The marker: a megabyte of the log written (about 150,000 lines), with the step still running.
		while (sizeOf(log) < 1024 * 1024 && victim.exitCode === null) await sleep(10);
		victim.kill('SIGKILL');
		await exited;

		// The log up to the kill: the command line, then 1, 2, 3 … in order, every line whole but
		// perhaps the very last one, which a write cut off by the kill may have left short.
		const text = readFileSync(log, 'utf8');
		const lines = text.split('\n');
		const last = lines.pop()!;
		expect(lines[0]).toBe(COMMAND_LINE);
		const numbers = lines.slice(1);
		expect(numbers.length).toBeGreaterThan(100_000);
		expect(numbers.length).toBeLessThan(1_000_000);
		numbers.forEach((line, index) => {
			if (line !== String(index + 1)) expect(line, `line ${index + 2}`).toBe(String(index + 1));
		});
		expect(String(numbers.length + 1).startsWith(last)).toBe(true);

		// What the journal says the log held is still there, byte for byte.
		const before = journalOf(session);
		const batches = before.filter((event) => event.type === 'step-output');
		expect(batches.length).toBeGreaterThan(0);
		expect(batches.at(-1)?.logBytes).toBeLessThanOrEqual(text.length);
		expect(checkStepLogs(path.join(session, 'logs'), before)).toEqual([]);
		expect(before.some((event) => event.type === 'step-finished')).toBe(false);

		// Resume: the step was running and is not idempotent, so its outcome is unknown and the run asks.
		const asked = await run(session, ['--on-unknown', 'stop']);
		expect(asked.code, asked.stderr).toBe(1);
		expect(asked.stderr).not.toMatch(/logs\/out\.lines\.log/);
		const askedEvents = asked.stdout.trim().split('\n').map((line) => JSON.parse(line) as EngineEvent);
		expect(askedEvents.find((event) => event.type === 'step-finished')).toMatchObject({step: 'lines', status: 'unknown'});
		expect(askedEvents.at(-1)).toMatchObject({type: 'run-finished', outcome: 'stopped', reason: expect.stringMatching(/\(out\/lines\) is unknown/)});

		// The operator decides to run it again: it completes, after what the first run left.
		const rerun = await run(session, ['--on-unknown', 'rerun']);
		expect(rerun.code, rerun.stderr).toBe(0);
		const after = journalOf(session);
		expect(after.at(-1)).toMatchObject({type: 'run-finished', outcome: 'completed'});
		const finished = after.filter((event) => event.type === 'step-finished' && event.step === 'lines');
		expect(finished.map((event) => (event.type === 'step-finished' ? event.status : ''))).toEqual(['unknown', 'passed']);
		const whole = readFileSync(log, 'utf8');
		// The first run's text stays as it was; a line it left cut ends before the second run begins.
		expect(whole.startsWith(text)).toBe(true);
		const second = whole.slice(whole.indexOf(`\n${COMMAND_LINE}\n`, text.length - 1) + 1);
		expect(second).toBe(`${COMMAND_LINE}\n${Array.from({length: 1_000_000}, (_, index) => index + 1).join('\n')}\n`);
		expect(checkStepLogs(path.join(session, 'logs'), after)).toEqual([]);
	}, 180_000);

	it('given a step log edited after the run, when the session is opened again, then greenlight names the log that no longer holds what was journaled', async () => {
		const small = path.join(scratch, 'small.json');
		const session = path.join(scratch, 'edited');
		writeFileSync(small, JSON.stringify({title: 'Small', phases: [{id: 'out', title: 'Output', steps: [{id: 'say', title: 'Say', kind: 'command', run: ['seq', '1', '1000']}]}]}));
		const first = await runFile(small, session);
		expect(first.code, first.stderr).toBe(0);
		const log = path.join(session, 'logs', 'out.say.log');
		writeFileSync(log, readFileSync(log, 'utf8').replace('\n500\n', '\n5OO\n'));

		const again = await runFile(small, session);
		expect(again.stderr).toContain("logs/out.say.log: its last run's");
		expect(again.stderr).toMatch(/no longer match the journal's sha256 \(edited\)/);
	});
});
