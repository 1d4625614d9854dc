import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type {EngineEvent, StepOutputEvent} from '../engine/events.js';
import {printable, printableLine} from '../engine/printable.js';
import {openLogWriter, type LogWriter} from './log-writer.js';
import type {RedactionStream} from './redactor.js';

// The output of one step, redacted once, here. Every byte goes to logs/<phase>.<step>.log through
// log-writer.ts; the command waits (its pipe fills) while the file is behind. The screen and the
// journal get one batch at most every BATCH_INTERVAL_MS: how many lines and bytes it added, its
// last lines, and the log's size and hash once those bytes are in the file. So a million lines cost
// a handful of events, and memory does not grow with the output.

/** A batch waits this long after its first line, so a lone line shows at once... */
const FIRST_LINE_WAIT_MS = 100;
/** ...and goes out at most this often, however fast a command prints. */
const BATCH_INTERVAL_MS = 250;

/** Longer lines reach the screen and the journal cut to this; the log file keeps them whole. */
export const SHOWN_LINE_CHARS = 1000;
/** Lines of a batch that reach the screen and the journal: the last ones. */
export const OUTPUT_TAIL_LINES = 50;
/** Characters those lines may take together: the journal grows with a step's time, never with its output. */
export const OUTPUT_TAIL_CHARS = 8 * 1024;

const cut = (line: string, rest: string): string => `${line.slice(0, SHOWN_LINE_CHARS)} … (${rest})`;

/** A batch of output as the step-output event carries it. */
export type OutputBatch = {
	/** The batch's last lines as shown, redacted and cut to fit. */
	lines: string[];
	/** Lines the batch added to the log, shown or not. */
	count: number;
	/** Bytes the batch added to the log. */
	bytes: number;
	/** The log file, its size once the batch was written, and the sha256 of what this step run wrote to it so far. */
	log: string;
	logBytes: number;
	logSha256: string;
};

export type StepOutput = {
	/** One line greenlight writes for the step (the command line, an answer, a gate's reading). `continues`: a piece of a longer line. */
	write(line: string, continues?: boolean): void;
	/** A command's output as the runner cuts it: whole lines, each ending in "\n", or (`continues`) a piece of a line too long to wait for. */
	print(text: string, continues: boolean): void;
	/** A promise while the log file is behind what it was given; undefined when it keeps up. */
	behind(): Promise<void> | undefined;
	/** The step is over: the last bytes are written, the last batch goes out, the file is closed. */
	close(): Promise<void>;
};

export const logFileName = (phase: string, step: string): string => `${phase}.${step}.log`;

/** Strings taken apart from a large block are copied, so a batch kept in the history does not keep the block alive. */
const detached = (lines: string[]): string[] => JSON.parse(JSON.stringify(lines)) as string[];

/** The last lines of a batch within OUTPUT_TAIL_CHARS, the newest always. */
const fitted = (lines: readonly string[]): string[] => {
	let chars = 0;
	let from = lines.length;
	while (from > 0 && (from === lines.length || chars + lines[from - 1]!.length <= OUTPUT_TAIL_CHARS)) {
		from -= 1;
		chars += lines[from]!.length;
	}
	return lines.slice(from);
};

/** Lines that `text` (whole lines, or a piece of one) starts, and the last OUTPUT_TAIL_LINES of them as shown. */
const linesOf = (text: string, continues: boolean, insideBefore: boolean): {count: number; shown: string[]} => {
	const ends = text.endsWith('\n');
	let newlines = 0;
	for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) newlines += 1;
	// Pieces between newlines; the first one only finishes a line shown before when inside one.
	const pieces = newlines + (ends ? 0 : 1);
	const count = pieces - (insideBefore ? 1 : 0);
	const shown: string[] = [];
	let end = ends ? text.length - 1 : text.length;
	for (let index = pieces - 1; index >= pieces - count && shown.length < OUTPUT_TAIL_LINES; index--) {
		const start = text.lastIndexOf('\n', end - 1) + 1;
		const line = text.slice(start, end);
		if (index === pieces - 1 && continues) shown.push(cut(line, 'the line goes on in the log'));
		else shown.push(line.length > SHOWN_LINE_CHARS ? cut(line, `+${line.length - SHOWN_LINE_CHARS} characters in the log`) : line);
		end = start - 1;
	}
	return {count: Math.max(0, count), shown: shown.reverse()};
};

export const createStepOutput = (options: {
	logsDir: string;
	phase: string;
	step: string;
	/** The step's redaction stream: a private key block opened on one line stays redacted on the next. */
	redact: RedactionStream;
	/** A batch, after its bytes are in the log file. */
	onBatch: (batch: OutputBatch) => void;
}): StepOutput => {
	const name = logFileName(options.phase, options.step);
	let writer: LogWriter | undefined;
	const log = (): LogWriter => {
		if (!writer) {
			fs.mkdirSync(options.logsDir, {recursive: true});
			writer = openLogWriter(path.join(options.logsDir, name), {name});
		}
		return writer;
	};

	/** The batch being gathered. */
	let tail: string[] = [];
	let count = 0;
	let bytes = 0;
	let timer: NodeJS.Timeout | undefined;
	let lastBatchAt = 0;
	/** The last batch sealed has gone out once this settles. */
	let sent: Promise<void> = Promise.resolve();
	let failureShown = false;
	// Inside a line longer than the command runner's pieces: its first piece was shown, the rest go to the log only.
	let midLine = false;

	const seal = () => {
		if (timer) clearTimeout(timer);
		timer = undefined;
		if (count === 0 && bytes === 0) return;
		lastBatchAt = Date.now();
		const batch = {lines: detached(fitted(tail)), count, bytes, log: name};
		tail = [];
		count = 0;
		bytes = 0;
		// Marks settle in order, so batches go out in order.
		sent = log()
			.mark()
			.then((mark) => {
				const tellFailure = mark.failure !== undefined && !failureShown;
				failureShown ||= tellFailure;
				options.onBatch({...batch, lines: tellFailure ? [...batch.lines, mark.failure!] : batch.lines, logBytes: mark.logBytes, logSha256: mark.sha256});
			});
	};

	const schedule = () => {
		if (timer) return;
		const wait = Math.max(FIRST_LINE_WAIT_MS, lastBatchAt + BATCH_INTERVAL_MS - Date.now());
		timer = setTimeout(seal, wait);
	};

	const add = (text: string, continues: boolean) => {
		if (text === '') return;
		bytes += log().append(text);
		const lines = linesOf(text, continues, midLine);
		midLine = continues;
		count += lines.count;
		if (lines.shown.length > 0) tail = tail.length + lines.shown.length > OUTPUT_TAIL_LINES ? [...tail, ...lines.shown].slice(-OUTPUT_TAIL_LINES) : [...tail, ...lines.shown];
		schedule();
	};

	return {
		write(raw, continues = false) {
			// Escape sequences and control characters are kept, visibly escaped: readable in the log, never obeyed by a terminal.
			const line = printableLine(options.redact(raw));
			add(continues ? line : `${line}\n`, continues);
		},
		print(raw, continues) {
			// "\r\n" is one line break, as the runner's lines have always counted it.
			const text = raw.includes('\r\n') ? raw.replaceAll('\r\n', '\n') : raw;
			add(printable(options.redact.lines(text)), continues);
		},
		behind: () => writer?.behind(),
		async close() {
			seal();
			await writer?.close();
			await sent;
		},
	};
};

/** Bytes read per call while a log is checked against its journal. */
const CHECK_CHUNK_BYTES = 1024 * 1024;

/** sha256 of `length` bytes of a file from `start`, read a chunk at a time; undefined when the file is shorter. */
const hashRange = (file: string, start: number, length: number): string | undefined => {
	const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
	try {
		if (fs.fstatSync(fd).size < start + length) return undefined;
		const hash = createHash('sha256');
		const buffer = Buffer.allocUnsafe(Math.min(CHECK_CHUNK_BYTES, Math.max(1, length)));
		for (let done = 0; done < length; ) {
			const got = fs.readSync(fd, buffer, 0, Math.min(buffer.length, length - done), start + done);
			if (got <= 0) return undefined;
			hash.update(buffer.subarray(0, got));
			done += got;
		}
		return hash.digest('hex');
	} finally {
		fs.closeSync(fd);
	}
};

/**
 * Each step log against what the journal says its last run wrote: the bytes its batches counted,
 * ending at the last batch's logBytes, must still hash to its logSha256. After a crash a log may
 * hold more than the journal says (written after the last batch), never less and never other bytes.
 * Answers a sentence per log that does not hold what was journaled; none when all do.
 */
export const checkStepLogs = (logsDir: string, events: readonly EngineEvent[]): string[] => {
	type Run = {bytes: number; last?: StepOutputEvent};
	const runs = new Map<string, Run>();
	for (const event of events) {
		if (event.type === 'step-started') runs.set(`${event.phase}/${event.step}`, {bytes: 0});
		if (event.type !== 'step-output' || event.logSha256 === undefined || event.logBytes === undefined) continue;
		const run = runs.get(`${event.phase}/${event.step}`) ?? {bytes: 0};
		runs.set(`${event.phase}/${event.step}`, {bytes: run.bytes + (event.bytes ?? 0), last: event});
	}
	const problems: string[] = [];
	for (const {bytes, last} of runs.values()) {
		if (!last?.logSha256 || last.logBytes === undefined) continue;
		const name = last.log ?? logFileName(last.phase, last.step);
		const file = path.join(logsDir, name);
		let found: string | undefined;
		try {
			found = hashRange(file, last.logBytes - bytes, bytes);
		} catch (error) {
			problems.push(`logs/${name}: cannot be read (${(error as Error).message}); the journal records ${last.logBytes} bytes`);
			continue;
		}
		if (found === undefined) problems.push(`logs/${name}: shorter than the ${last.logBytes} bytes the journal records (cut or replaced)`);
		else if (found !== last.logSha256) problems.push(`logs/${name}: its last run's ${bytes} bytes no longer match the journal's sha256 (edited)`);
	}
	return problems;
};
