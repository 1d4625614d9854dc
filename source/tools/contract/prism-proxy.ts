import {createInterface} from 'node:readline';
import {setTimeout as delay} from 'node:timers/promises';
import {execa, type ResultPromise} from 'execa';
import {prismBin} from '../../adapters/openapi/prism-install.js';

// A real Prism (`prism proxy <openapi> <target> --errors`) in front of the target, and what its log says.

const cleanPrismLine = (line: string): string =>
	line
		.replace(/\u001B\[[0-9;]*m/g, '')
		.replace(/^\[[^\]]*\]\s*\u203a\s*/, '')
		.replace(/\s+/g, ' ')
		.trim();

// Prism's lines an operator wants to see; its per-request chatter stays out.
const mattersInPrismLine = (line: string): boolean => /\b(fatal|error|warning|Prism is listening)\b/.test(line);

export type PrismProcess = {
	pid: number | undefined;
	listening: (signal: AbortSignal) => Promise<string>;
	/** What Prism's log says the target answered to the last request for this path: its status, or 'failed'. */
	upstreamStatus: (pathname: string) => number | 'failed' | undefined;
	forgetUpstream: () => void;
	stop: () => Promise<void>;
};

export const startPrism = (openapi: string, target: string, log: (line: string) => void): PrismProcess => {
	const subprocess: ResultPromise = execa(
		process.execPath,
		[prismBin(), 'proxy', openapi, target, '--errors', '--port', '0', '--host', '127.0.0.1', '--no-multiprocess'],
		// In this process's group, not one of its own: when greenlight kills the group of a contract step
		// (timeout, quit, even after a kill -9 of this process), Prism goes with it. --no-multiprocess:
		// Prism starts no children of its own, so stopping its one process stops all of it.
		{reject: false, buffer: false, stdin: 'ignore', env: {NO_COLOR: '1', FORCE_COLOR: '0'}},
	);
	const pid = subprocess.pid;
	const killPrism = (signalName: NodeJS.Signals): void => {
		if (pid === undefined) return;
		try {
			process.kill(pid, signalName);
		} catch {
			// Already gone.
		}
	};
	const killOnExit = (): void => killPrism('SIGKILL');
	process.on('exit', killOnExit);

	let exited = false;
	const exitedPromise = subprocess.then(() => {
		exited = true;
	});
	let address: string | undefined;
	const fatal: string[] = [];
	const upstream = new Map<string, number | 'failed'>();
	const waiters = new Set<() => void>();

	const onLine = (raw: string): void => {
		const line = cleanPrismLine(raw);
		if (line === '') return;
		const listeningAt = /Prism is listening on (http:\/\/\S+)/.exec(line);
		if (listeningAt?.[1]) address = listeningAt[1];
		const forwarded = /The upstream call to (\S+) has returned (\d+)/.exec(line);
		if (forwarded?.[1] && forwarded[2]) upstream.set(forwarded[1], Number(forwarded[2]));
		const terminated = /^\[HTTP SERVER\] \w+ (\S+) .*Request terminated with error/.exec(line);
		if (terminated?.[1] && !upstream.has(terminated[1])) upstream.set(terminated[1], 'failed');
		if (/\bfatal\b|Error:/.test(line) && address === undefined) fatal.push(line);
		if (mattersInPrismLine(line)) log(`prism: ${line}`);
		for (const wake of waiters) wake();
	};
	for (const stream of [subprocess.stdout, subprocess.stderr]) {
		if (stream) createInterface({input: stream}).on('line', onLine);
	}
	void exitedPromise.then(() => {
		for (const wake of waiters) wake();
	});

	const listening = (signal: AbortSignal): Promise<string> =>
		new Promise((resolve, reject) => {
			const check = (): void => {
				if (address !== undefined) finish(() => resolve(address as string));
				else if (exited) finish(() => reject(new Error(`Prism stopped before it listened: ${fatal.join(' ') || 'no reason given'}`)));
				else if (signal.aborted) finish(() => reject(abortReason(signal)));
			};
			const finish = (settle: () => void): void => {
				waiters.delete(check);
				signal.removeEventListener('abort', check);
				settle();
			};
			waiters.add(check);
			signal.addEventListener('abort', check);
			check();
		});

	const stop = async (): Promise<void> => {
		killPrism('SIGTERM');
		const graceful = await Promise.race([exitedPromise.then(() => true), delay(2000).then(() => false)]);
		if (!graceful) {
			killPrism('SIGKILL');
			await exitedPromise;
		}
		process.off('exit', killOnExit);
	};

	return {
		pid,
		listening,
		upstreamStatus: (pathname) => upstream.get(pathname),
		forgetUpstream: () => upstream.clear(),
		stop,
	};
};

/** The error a suite stopped by `signal` reports: "timed out" for its deadline. */
export const abortReason = (signal: AbortSignal): Error =>
	signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError'
		? new Error('timed out')
		: signal.reason instanceof Error
			? signal.reason
			: new Error('stopped');
