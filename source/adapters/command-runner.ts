import {statSync} from 'node:fs';
import {execa} from 'execa';
import {createOutputSplitter} from './output-splitter.js';
import {cliEntry} from './package-root.js';
import {childMarkerEnv, isGroupAlive, terminateGroup, trackGroup, untrackGroup} from './process-tree.js';

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
	/**
	 * The output as it arrives, cut at line ends: whole lines, each ending in "\n" (a last line
	 * without one gets it), or (`continues`) a piece of a line longer than MAX_LINE_CHARS
	 * (output-splitter.ts) that goes on in the next call.
	 */
	onOutput?: (text: string, stream: 'stdout' | 'stderr', continues: boolean) => void;
	/** The same output a line at a time, without the newline ("\r\n" counts as one break). */
	onLine?: (line: string, stream: 'stdout' | 'stderr', continues?: boolean) => void;
	/**
	 * Asked after each chunk of output: a promise while whoever takes the output is behind. Reading
	 * waits for it, so the command's pipe fills and the command waits too, instead of memory growing.
	 */
	behind?: () => Promise<void> | undefined;
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

/** Longest timer Node accepts; a longer one would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** Output as the splitter cuts it, a line at a time. */
const eachLine = (text: string, continues: boolean, onLine: (line: string, continues?: boolean) => void) => {
	if (continues) return onLine(text, true);
	const lines = text.split('\n');
	lines.pop();
	for (const line of lines) onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
};

/**
 * Keeps a stream's text up to the cap, as bytes outside V8's heap: a command that prints megabytes
 * would otherwise keep up to the cap of strings alive in the young generation, which V8 answers by
 * growing it to its largest (about 25 MB more resident memory while a 100 MB line streams through).
 * Each chunk is whole characters (the stream decodes UTF-8 as it reads), so the parts decode back
 * to the same text.
 */
const createCollector = () => {
	const parts: Buffer[] = [];
	let chars = 0;
	let truncated = false;
	let text: string | undefined;
	return {
		add(chunk: string) {
			if (truncated) return;
			const room = OUTPUT_CAP_CHARS - chars;
			const kept = chunk.length <= room ? chunk : chunk.slice(0, room);
			parts.push(Buffer.from(kept));
			chars += kept.length;
			truncated = kept !== chunk;
			text = undefined;
		},
		text: () => (text ??= Buffer.concat(parts).toString() + (truncated ? truncationNote : '')),
	};
};

/**
 * A runbook's `greenlight …` (shift, roles, contract) is this very greenlight, run by the same Node:
 * not whatever an operator's PATH holds (an older install, or none when greenlight was started as
 * `node dist/cli/main.js` or through npx), so the lever and the release speak the same version.
 */
export const OWN_PROGRAM = 'greenlight';

const toArgv = (spec: CommandSpec): string[] => {
	if (!spec.shell) return spec.argv[0] === OWN_PROGRAM ? [process.execPath, cliEntry(), ...spec.argv.slice(1)] : spec.argv;
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
		env: {...spec.env, ...childMarkerEnv()},
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
		const splitter = createOutputSplitter((piece, continues) => {
			// Only the last line of all can come without its newline.
			const text = continues || piece.endsWith('\n') ? piece : `${piece}\n`;
			spec.onOutput?.(text, stream, continues);
			if (spec.onLine) eachLine(text, continues, (line, goesOn) => spec.onLine?.(line, stream, goesOn));
		});
		readable.on('data', (chunk: string) => {
			collected[stream].add(chunk);
			splitter.push(chunk);
			const waiting = spec.behind?.();
			if (!waiting) return;
			readable.pause();
			void waiting.then(() => readable.resume());
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
