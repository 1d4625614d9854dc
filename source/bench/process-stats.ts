import {execFileSync} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {performance} from 'node:perf_hooks';
import {setTimeout as sleep} from 'node:timers/promises';

// What the kernel knows about a measured process: CPU time and memory from /proc, so a figure is
// the process's own and not the bench's.

let ticksPerSecond: number | undefined;
const clockTicks = (): number => {
	ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).trim()) || 100;
	return ticksPerSecond;
};

/** User plus system CPU time of the process so far, in milliseconds (children not included). */
export const cpuMs = (pid: number): number => {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	// The command name may hold spaces and parentheses: the fields start after the last ")".
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	const ticks = Number(fields[11]) + Number(fields[12]);
	return (ticks * 1000) / clockTicks();
};

/** Resident memory now and at its peak (VmHWM), in bytes. */
export const memory = (pid: number): {rss: number; peak: number} => {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
	return {rss: kib('VmRSS'), peak: kib('VmHWM')};
};

export const MB = 1024 * 1024;

const isGone = (pid: number): boolean => {
	if (!existsSync(`/proc/${pid}`)) return true;
	try {
		return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
	} catch {
		return true;
	}
};

/** Waits until the process has ended, so that one measurement's leftovers never load the next. */
export const waitForExit = async (pid: number, timeoutMs = 20_000): Promise<void> => {
	const deadline = Date.now() + timeoutMs;
	while (!isGone(pid)) {
		if (Date.now() > deadline) {
			process.kill(pid, 'SIGKILL');
			return;
		}
		await sleep(20);
	}
};

/**
 * Windows a CPU row takes its median of, unless --runs says otherwise. Ten of 4 s: with five, the
 * same build read 2.7–4.7 % for the watch between runs (a window holds a dozen 10 ms ticks).
 */
export const CPU_WINDOWS = 10;

/**
 * The process's CPU use in `windows` consecutive windows of `windowMs`, each in % of one core.
 * Windows of seconds, not milliseconds: the kernel counts CPU time in ticks of 10 ms.
 */
export const cpuShares = async (pid: number, windows: number, windowMs: number): Promise<number[]> => {
	const shares: number[] = [];
	for (let window = 0; window < windows; window++) {
		const cpuBefore = cpuMs(pid);
		const wallBefore = performance.now();
		await sleep(windowMs);
		shares.push(((cpuMs(pid) - cpuBefore) / (performance.now() - wallBefore)) * 100);
	}
	return shares;
};
