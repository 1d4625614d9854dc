import {statSync} from 'node:fs';
import {execa} from 'execa';
import {isGroupAlive, terminateGroup, trackGroup, untrackGroup} from './process-tree.js';

export {killAllChildren, terminateAllChildren} from './process-tree.js';

export type CommandSpec = {
	argv: string[];
	/** argv[0] is a shell script; argv[1..] arrive as $1, $2, … and never become shell text. */
	shell?: boolean;
	/** Additions over process.env. */
	env?: Record<string, string>;
	cwd?: string;
	/** Text fed on standard input; without it the child gets no stdin at all (never the terminal's). */
	stdin?: string;
	timeoutMs?: number;
	signal?: AbortSignal;
	/** `continues`: a piece of a line longer than MAX_LINE_CHARS; the line goes on in the next call. */
	onLine?: (line: string, stream: 'stdout' | 'stderr', continues?: boolean) => void;
};

export type CommandOutcome = {
	/** null when the process ended by a signal or never started. */
	exitCode: number | null;
	stdout: string;
	stderr: string;
	timedOut: boolean;
	cancelled: boolean;
	durationMs: number;
	/** The signal that ended the process, when one did. */
	signal?: NodeJS.Signals;
	/** spawn failure, e.g. "command not found: fly" */
	error?: string;
};

/** Output kept per stream for expectations and captures; the log gets every line regardless. */
export const OUTPUT_CAP_CHARS = 4 * 1024 * 1024;

const truncationNote = '\n[output truncated]';

/** The program name that `$0` shows inside a shell script. */
const SHELL_SCRIPT_NAME = 'greenlight';

/** A line longer than this is passed on in pieces, so one endless line cannot grow without bound. */
const MAX_LINE_CHARS = 64 * 1024;

/** Longest timer Node accepts; a longer one would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** Splits a stream into lines as it arrives: partial lines wait for their end, "\r\n" counts as one break. */
const createLineSplitter = (onLine: (line: string, continues?: boolean) => void) => {
	let partial = '';
	return {
		push(chunk: string) {
			const pieces = (partial + chunk).split('\n');
			partial = pieces.pop() ?? '';
			for (const piece of pieces) onLine(piece.endsWith('\r') ? piece.slice(0, -1) : piece);
			while (partial.length > MAX_LINE_CHARS) {
				onLine(partial.slice(0, MAX_LINE_CHARS), true);
				partial = partial.slice(MAX_LINE_CHARS);
			}
		},
		end() {
			if (partial !== '') onLine(partial.endsWith('\r') ? partial.slice(0, -1) : partial);
			partial = '';
		},
	};
};

/** Keeps a stream's text up to the cap. */
const createCollector = () => {
	let text = '';
	let truncated = false;
	return {
		add(chunk: string) {
			if (truncated) return;
			if (text.length + chunk.length <= OUTPUT_CAP_CHARS) {
				text += chunk;
				return;
			}
			text += chunk.slice(0, OUTPUT_CAP_CHARS - text.length) + truncationNote;
			truncated = true;
		},
		text: () => text,
	};
};

const toArgv = (spec: CommandSpec): string[] => {
	if (!spec.shell) return spec.argv;
	const [script = '', ...args] = spec.argv;
	return ['/bin/sh', '-c', script, SHELL_SCRIPT_NAME, ...args];
};

const missingDirectory = (cwd: string | undefined): string | undefined => {
	if (cwd === undefined) return undefined;
	try {
		return statSync(cwd).isDirectory() ? undefined : `working directory is not a directory: ${cwd}`;
	} catch {
		return `working directory not found: ${cwd}`;
	}
};

const spawnError = (code: unknown, program: string, fallback: string): string => {
	if (code === 'ENOENT') return `command not found: ${program}`;
	if (code === 'EACCES') return `not executable: ${program}`;
	return fallback;
};

const notStarted = (error: string, started: number, cancelled = false): CommandOutcome => ({
	exitCode: null,
	stdout: '',
	stderr: '',
	timedOut: false,
	cancelled,
	durationMs: Math.round(performance.now() - started),
	error: cancelled ? undefined : error,
});

/** Runs one command in its own process group; resolves once the process and everything it started are gone. */
export const runCommand = async (spec: CommandSpec): Promise<CommandOutcome> => {
	const started = performance.now();
	const [program, ...args] = toArgv(spec);
	if (program === undefined || program === '') return notStarted('no command given', started);
	if (spec.signal?.aborted) return notStarted('cancelled', started, true);
	const directoryProblem = missingDirectory(spec.cwd);
	if (directoryProblem) return notStarted(directoryProblem, started);

	const subprocess = execa(program, args, {
		env: spec.env,
		extendEnv: true,
		cwd: spec.cwd,
		// Its own process group, so one signal reaches every descendant.
		detached: true,
		reject: false,
		buffer: false,
		stripFinalNewline: false,
		...(spec.stdin === undefined ? {stdin: 'ignore' as const} : {input: spec.stdin}),
		stdout: 'pipe',
		stderr: 'pipe',
	});

	const collected = {stdout: createCollector(), stderr: createCollector()};
	for (const stream of ['stdout', 'stderr'] as const) {
		const readable = subprocess[stream];
		if (!readable) continue;
		readable.setEncoding('utf8');
		const splitter = createLineSplitter((line, continues) => spec.onLine?.(line, stream, continues));
		readable.on('data', (chunk: string) => {
			collected[stream].add(chunk);
			splitter.push(chunk);
		});
		readable.on('end', () => splitter.end());
		readable.on('close', () => splitter.end());
	}

	const pid = subprocess.pid;
	let stopReason: 'timeout' | 'cancel' | undefined;
	let leaderExited = false;
	let termination: Promise<void> | undefined;
	if (pid !== undefined) trackGroup(pid);

	const stop = (reason: 'timeout' | 'cancel') => {
		if (pid === undefined || leaderExited || stopReason) return;
		stopReason = reason;
		termination ??= terminateGroup(pid);
	};
	// A step is its process tree: what it left running in the background ends with it, and no longer holds its output open.
	subprocess.on('exit', () => {
		leaderExited = true;
		if (pid === undefined) return;
		if (isGroupAlive(pid)) termination ??= terminateGroup(pid);
		else if (!termination) untrackGroup(pid);
	});

	const timer =
		spec.timeoutMs !== undefined && spec.timeoutMs > 0 ? setTimeout(() => stop('timeout'), Math.min(spec.timeoutMs, MAX_TIMER_MS)) : undefined;
	const onAbort = () => stop('cancel');
	spec.signal?.addEventListener('abort', onAbort, {once: true});

	const result = await subprocess;
	if (timer) clearTimeout(timer);
	spec.signal?.removeEventListener('abort', onAbort);
	await termination;

	const failedToStart = pid === undefined || (result.failed && result.exitCode === undefined && !result.signal);
	return {
		exitCode: result.exitCode ?? null,
		stdout: collected.stdout.text(),
		stderr: collected.stderr.text(),
		timedOut: stopReason === 'timeout',
		cancelled: stopReason === 'cancel',
		durationMs: Math.round(performance.now() - started),
		signal: result.signal,
		error:
			failedToStart && !stopReason
				? spawnError((result as {code?: unknown}).code, program, result.shortMessage ?? `could not start ${program}`)
				: undefined,
	};
};
