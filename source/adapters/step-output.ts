import {appendFileSync, mkdirSync} from 'node:fs';
import path from 'node:path';
import {printableLine} from '../engine/printable.js';

/** Lines per event at most, and how long a line may wait before it reaches the screen. */
const BATCH_LINES = 50;
const BATCH_MS = 100;

/**
 * The output of one step: every line is redacted once, here, then goes in full to its log file at
 * once and to the screen in batches, so a chatty command costs one render per batch, never one per line.
 */
export type StepOutput = {write(line: string): void; flush(): void};

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
		write(raw) {
			// Escape sequences and control characters are kept, visibly escaped: readable in the log, never obeyed by a terminal.
			const line = printableLine(options.redact(raw));
			appendFileSync(file, `${line}\n`);
			pending.push(line);
			if (pending.length >= BATCH_LINES) flush();
			else timer ??= setTimeout(flush, BATCH_MS);
		},
		flush,
	};
};
