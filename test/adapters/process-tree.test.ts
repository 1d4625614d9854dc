import {type ChildProcess, spawn} from 'node:child_process';
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {afterEach, describe, expect, it} from 'vitest';
import {runCommand} from '../../source/adapters/command-runner.js';
import {CHILD_MARKER_VARIABLE, isProcessRunning, processStartTime, recordGroupsIn} from '../../source/adapters/process-tree.js';

const started: ChildProcess[] = [];
afterEach(() => {
	for (const child of started.splice(0)) if (child.pid !== undefined) kill(-child.pid);
});

const kill = (target: number) => {
	try {
		process.kill(target, 'SIGKILL');
	} catch {
		// gone
	}
};

/** A detached shell (its own group) that starts a grandchild and prints the grandchild's pid. */
const shellWithGrandchild = async (env: Record<string, string> = {}): Promise<{leader: number; grandchild: number}> => {
	const child = spawn('sh', ['-c', 'sleep 60 & echo $!; wait'], {detached: true, env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'ignore']});
	started.push(child);
	const grandchild = await new Promise<number>((resolve) => {
		child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
	});
	return {leader: child.pid!, grandchild};
};

/** Waits until none of the pids runs any more (or the deadline passes); returns those still running. */
const untilGone = async (pids: number[], deadline = Date.now() + 10_000): Promise<number[]> => {
	while (pids.some(isProcessRunning) && Date.now() < deadline) await sleep(10);
	return pids.filter(isProcessRunning);
};

describe('children left behind by a greenlight killed with -9', () => {
	it('a child forked just before the kill, never recorded, is found by its marker and killed with what it started', async () => {
		const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'gl-tree-')), 'children.json');
		const earlier = 'a'.repeat(32);
		writeFileSync(file, JSON.stringify({marker: earlier, groups: []}));
		const marked = await shellWithGrandchild({[CHILD_MARKER_VARIABLE]: earlier});
		const foreign = await shellWithGrandchild({[CHILD_MARKER_VARIABLE]: 'b'.repeat(32)});
		const unmarked = await shellWithGrandchild();

		const killed = recordGroupsIn(file);

		expect(killed).toEqual([marked.leader]);
		expect(await untilGone([marked.leader, marked.grandchild])).toEqual([]);
		for (const pid of [foreign.leader, foreign.grandchild, unmarked.leader, unmarked.grandchild]) expect(isProcessRunning(pid), `pid ${pid}`).toBe(true);
	});

	it('a recorded group is killed only while its leader is the process that was recorded', async () => {
		const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'gl-tree-')), 'children.json');
		const recorded = await shellWithGrandchild();
		const reused = await shellWithGrandchild();
		// The second entry stands for a pid the kernel gave to another process since: its start time differs.
		const groups = [
			{pgid: recorded.leader, started: processStartTime(recorded.leader)},
			{pgid: reused.leader, started: '1'},
		];
		writeFileSync(file, JSON.stringify({marker: 'c'.repeat(32), groups}));

		expect(recordGroupsIn(file)).toEqual([recorded.leader]);
		expect(await untilGone([recorded.leader, recorded.grandchild])).toEqual([]);
		expect(isProcessRunning(reused.leader)).toBe(true);
	});

	it('sessions from before the marker (a bare list) are still cleaned up, and from then on every child carries the new marker', async () => {
		const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'gl-tree-')), 'children.json');
		const recorded = await shellWithGrandchild();
		writeFileSync(file, JSON.stringify([{pgid: recorded.leader, started: processStartTime(recorded.leader)}]));

		expect(recordGroupsIn(file)).toEqual([recorded.leader]);
		expect(await untilGone([recorded.leader, recorded.grandchild])).toEqual([]);

		const written = JSON.parse(readFileSync(file, 'utf8')) as {marker: string; groups: unknown[]};
		expect(written.marker).toMatch(/^[0-9a-f]{32}$/);
		expect(written.groups).toEqual([]);
		const lines: string[] = [];
		const outcome = await runCommand({argv: ['sh', '-c', `echo "$${CHILD_MARKER_VARIABLE}"`], onLine: (line) => lines.push(line)});
		expect(outcome.exitCode).toBe(0);
		expect(lines).toEqual([written.marker]);
	});
});
