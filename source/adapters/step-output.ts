import {closeSync, constants, mkdirSync, openSync, writeSync} from 'node:fs';
import path from 'node:path';
import {printableLine} from '../engine/printable.js';

/** Lines per event at most, and how long a line may wait before it reaches the screen. */
const BATCH_LINES = 50;
const BATCH_MS = 100;

/** Longer lines reach the screen and the journal cut to this; the log file keeps them whole. */
export const SHOWN_LINE_CHARS = 1000;

/** Append, create 0600, and never through a symbolic link planted in the session folder. */
const APPEND_NO_FOLLOW = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;

const cut = (line: string, rest: string): string => `${line.slice(0, SHOWN_LINE_CHARS)} … (${rest})`;

/**
 * The output of one step: every line is redacted once, here, then goes in full to its log file at
 * once and to the screen in batches, so a chatty command costs one render per batch, never one per line.
 */
export type StepOutput = {write(line: string, continues?: boolean): void; flush(): void; close(): void};

export const logFileName = (phase: string, step: string): string => `${phase}.${step}.log`;

export const createStepOutput = (options: {
	logsDir: string;
	phase: string;
	step: string;
	/** The step's redaction stream: a private key block opened on one line stays redacted on the next. */
	redact: (line: string) => string;
	/** Lines already redacted. */
	onBatch: (lines: string[]) => void;
}): StepOutput => {
	mkdirSync(options.logsDir, {recursive: true});
	const file = path.join(options.logsDir, logFileName(options.phase, options.step));
	let pending: string[] = [];
	let fd: number | undefined;
	// Inside a line longer than the command runner's pieces: its first piece was shown, the rest go to the log only.
	let midLine = false;
	let timer: NodeJS.Timeout | undefined;
	const flush = () => {
		if (timer) clearTimeout(timer);
		timer = undefined;
		if (pending.length === 0) return;
		const lines = pending;
		pending = [];
		options.onBatch(lines);
	};
	return {
		write(raw, continues = false) {
			// Escape sequences and control characters are kept, visibly escaped: readable in the log, never obeyed by a terminal.
			const line = printableLine(options.redact(raw));
			fd ??= openSync(file, APPEND_NO_FOLLOW, 0o600);
			writeSync(fd, continues ? line : `${line}\n`);
			const inside = midLine;
			midLine = continues;
			if (inside) return;
			if (continues) pending.push(cut(line, 'the line goes on in the log'));
			else pending.push(line.length > SHOWN_LINE_CHARS ? cut(line, `+${line.length - SHOWN_LINE_CHARS} characters in the log`) : line);
			if (pending.length >= BATCH_LINES) flush();
			else timer ??= setTimeout(flush, BATCH_MS);
		},
		flush,
		/** The step is over: the last batch goes out and the log file is closed. */
		close() {
			flush();
			if (fd !== undefined) closeSync(fd);
			fd = undefined;
		},
	};
};
