import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type {EngineEvent} from '../engine/events.js';

// journal.ndjson: one line per event, the event's own fields at top level (the same shape as
// `--json`) plus `seq` and `prev`, the sha256 of the previous line, so an edit or a removed line
// breaks the chain and is reported instead of silently replayed. The chain alone cannot see its own
// end cut off or its last line edited: journal.ndjson.head holds the seq and hash of the last line,
// rewritten (and synced to disk) after every append, so those are reported too. Events that come
// together (a watch's samples of one tick) are appended in one write: each of their lines but the
// last says how many more follow (`more`), which is how far the head may lag after a crash.

export type JournalEntry = {seq: number; prev: string; more?: number; event: EngineEvent};

export type Journal = {
	/** Writes the event's line and fsyncs it before returning: what the screen shows is on disk. */
	append(event: EngineEvent): void;
	/** Writes the events' lines in one write and one fsync (nothing when there are none). */
	appendAll(events: readonly EngineEvent[]): void;
	close(): void;
};

export type JournalRead =
	| {ok: true; events: EngineEvent[]; warnings: string[]}
	| {ok: false; message: string};

export const GENESIS = 'genesis';
const NEWLINE = 0x0a;

export const hashLine = (line: string | Buffer): string => createHash('sha256').update(line).digest('hex');

/** Where a verified chain ends: the last seq, its line's hash and the line number. */
type ChainEnd = {seq: number; prev: string; line: number};

const start: ChainEnd = {seq: 0, prev: GENESIS, line: 0};

type Scanned =
	| {
			ok: true;
			entries: JournalEntry[];
			end: ChainEnd;
			/** Bytes of `data` holding verified lines (newline included when present). */
			consumed: number;
			/** Bytes of an unparseable last line, dropped (only when torn lines are accepted). */
			tornBytes: number;
			/** The last verified line has no newline yet (the crash came between it and its newline). */
			missingNewline: boolean;
	  }
	| {ok: false; message: string};

const parseEntry = (text: string): JournalEntry | undefined => {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		return undefined;
	}
	if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
	const {seq, prev, more, ...event} = value as Record<string, unknown>;
	if (typeof seq !== 'number' || typeof prev !== 'string' || typeof event.type !== 'string' || typeof event.ts !== 'number') {
		return undefined;
	}
	if (more !== undefined && !(Number.isSafeInteger(more) && (more as number) > 0)) return undefined;
	return {seq, prev, ...(more === undefined ? {} : {more: more as number}), event: event as EngineEvent};
};

/**
 * Verifies the lines of `data` continuing the chain at `from`. A last line without a newline is
 * either still being written (`tail: 'wait'`, left for later) or, after a crash, torn (`tail: 'torn'`:
 * dropped when it does not parse).
 */
const scan = (data: Buffer, from: ChainEnd, name: string, tail: 'wait' | 'torn'): Scanned => {
	const entries: JournalEntry[] = [];
	let end = from;
	let position = 0;
	let missingNewline = false;
	while (position < data.length) {
		const newline = data.indexOf(NEWLINE, position);
		if (newline === -1 && tail === 'wait') break;
		const stop = newline === -1 ? data.length : newline;
		const bytes = data.subarray(position, stop);
		const lineNumber = end.line + 1;
		const entry = parseEntry(bytes.toString('utf8'));
		if (!entry) {
			// Only the very last line may be torn: nothing but padding may follow it.
			const rest = data.subarray(stop + 1);
			const isLast = newline === -1 || rest.every((byte) => byte === NEWLINE || byte === 0 || byte === 0x20);
			if (tail === 'torn' && isLast) {
				return {ok: true, entries, end, consumed: position, tornBytes: data.length - position, missingNewline: false};
			}
			return {ok: false, message: `${name} line ${lineNumber}: not a journal entry (unreadable: edited or corrupted)`};
		}
		if (entry.seq !== end.seq + 1) {
			return {
				ok: false,
				message: `${name} line ${lineNumber}: sequence number ${entry.seq} where ${end.seq + 1} was expected (a line was deleted, duplicated or reordered)`,
			};
		}
		if (entry.prev !== end.prev) {
			return {
				ok: false,
				message:
					lineNumber === 1
						? `${name} line 1: hash chain broken (edited or truncated): the first line does not start the chain`
						: `${name} line ${lineNumber - 1}: hash chain broken (edited or truncated): line ${lineNumber} no longer matches it`,
			};
		}
		entries.push(entry);
		end = {seq: entry.seq, prev: hashLine(bytes), line: lineNumber};
		missingNewline = newline === -1;
		position = newline === -1 ? data.length : newline + 1;
	}
	return {ok: true, entries, end, consumed: position, tornBytes: 0, missingNewline};
};

export const headFileOf = (file: string): string => `${file}.head`;

type Head = {seq: number; hash: string};

/** "000000000042 <sha256>\n": fixed width, so each rewrite overwrites the whole record in place. */
const formatHead = (head: Head): string => `${String(head.seq).padStart(12, '0')} ${head.hash}\n`;

const readHead = (file: string): Head | 'missing' | 'unreadable' => {
	let text: string;
	try {
		text = fs.readFileSync(headFileOf(file), 'utf8');
	} catch {
		return 'missing';
	}
	// Created but not yet written (greenlight stopped right after opening it): as good as missing.
	if (text === '') return 'missing';
	const match = /^(\d{12}) ([0-9a-f]{64}|genesis)\n?$/.exec(text);
	return match ? {seq: Number(match[1]), hash: match[2]!} : 'unreadable';
};

/**
 * Checks the end of a verified chain against the head. The head may lag behind by the lines of one
 * write (greenlight stopped between writing them and the head): one line, or the lines after the
 * head's that its `more` says were written with it. Never more, and never lead.
 */
const checkHead = (file: string, entries: readonly JournalEntry[], end: ChainEnd): string | undefined => {
	const name = path.basename(file);
	const found = readHead(file);
	// Before the first head is written a journal has at most its first write.
	const head = found === 'missing' ? {seq: 0, hash: GENESIS} : found;
	if (head === 'unreadable') return `${name}.head: unreadable (edited or corrupted); the end of the journal cannot be verified`;
	if (head.seq > end.seq) {
		return `${name}: ends at line ${end.line}, but its head records ${head.seq} events (lines removed at the end)`;
	}
	if (head.seq === end.seq) return head.hash === end.prev ? undefined : `${name} line ${end.line}: the last line was edited (it no longer matches the head)`;
	// Lines are numbered as events are: the line after the head's is entries[head.seq].
	const next = entries[head.seq]!;
	if (end.seq - head.seq - 1 > (next.more ?? 0)) {
		return found === 'missing'
			? `${name}.head is missing (deleted?); the end of the journal cannot be verified`
			: `${name}: ${end.seq - head.seq} lines after line ${head.seq} were not written by greenlight`;
	}
	if (head.hash !== next.prev) return `${name} line ${head.seq}: the line was edited (it no longer matches the head)`;
	return undefined;
};

/** A whole journal as written: its chain verified from the first line, and its end against the head. */
const verifyWhole = (file: string, data: Buffer): Scanned => {
	const scanned = scan(data, start, path.basename(file), 'torn');
	if (!scanned.ok) return scanned;
	const headProblem = checkHead(file, scanned.entries, scanned.end);
	return headProblem ? {ok: false, message: headProblem} : scanned;
};

const tornWarning = (name: string, end: ChainEnd): string =>
	`${name} line ${end.line + 1}: torn last line dropped (greenlight stopped while writing it); ${end.line} events kept`;

export const readJournal = (file: string): JournalRead => {
	const name = path.basename(file);
	let data: Buffer;
	try {
		data = fs.readFileSync(file);
	} catch (error) {
		return {ok: false, message: `cannot read ${file}: ${(error as Error).message}`};
	}
	const scanned = verifyWhole(file, data);
	if (!scanned.ok) return scanned;
	return {
		ok: true,
		events: scanned.entries.map((entry) => entry.event),
		warnings: scanned.tornBytes > 0 ? [tornWarning(name, scanned.end)] : [],
	};
};

const writeAll = (fd: number, text: string) => {
	const buffer = Buffer.from(text);
	let written = 0;
	while (written < buffer.length) written += fs.writeSync(fd, buffer, written, buffer.length - written);
};

/** A new file survives a power cut only once its folder entry is on disk too. */
const syncDirectory = (dir: string) => {
	try {
		const fd = fs.openSync(dir, 'r');
		try {
			fs.fsyncSync(fd);
		} finally {
			fs.closeSync(fd);
		}
	} catch {
		// Not every platform can fsync a folder; the file's own fsync still holds.
	}
};

/** Creates the journal or continues it: a torn last line is cut off so the chain goes on from the last good one. */
export const openJournal = (file: string): Journal => {
	fs.mkdirSync(path.dirname(file), {recursive: true});
	let end = start;
	let missingNewline = false;
	if (fs.existsSync(file)) {
		const data = fs.readFileSync(file);
		const scanned = verifyWhole(file, data);
		if (!scanned.ok) throw new Error(`${scanned.message}; refusing to append to ${file}`);
		if (scanned.tornBytes > 0) fs.truncateSync(file, scanned.consumed);
		end = scanned.end;
		missingNewline = scanned.missingNewline;
	}
	const created = !fs.existsSync(file);
	// Never through a symbolic link: a link planted in a session folder must not turn an append into a write elsewhere.
	const {O_WRONLY, O_RDWR, O_APPEND, O_CREAT, O_NOFOLLOW} = fs.constants;
	let fd: number | undefined = fs.openSync(file, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0o600);
	let headFd: number | undefined = fs.openSync(headFileOf(file), O_RDWR | O_CREAT | O_NOFOLLOW, 0o600);
	if (created) syncDirectory(path.dirname(file));
	if (missingNewline) {
		writeAll(fd, '\n');
		fs.fsyncSync(fd);
	}
	const writeHead = () => {
		if (headFd === undefined) return;
		const record = Buffer.from(formatHead({seq: end.seq, hash: end.prev}));
		fs.writeSync(headFd, record, 0, record.length, 0);
		fs.fdatasyncSync(headFd);
	};
	writeHead();
	const appendAll = (events: readonly EngineEvent[]) => {
		if (fd === undefined) throw new Error(`journal ${file} is closed`);
		if (events.length === 0) return;
		let next = end;
		const lines = events.map((event, index) => {
			const more = events.length - 1 - index;
			const line = JSON.stringify({seq: next.seq + 1, prev: next.prev, ...(more > 0 ? {more} : {}), ...event});
			next = {seq: next.seq + 1, prev: hashLine(line), line: next.line + 1};
			return line;
		});
		writeAll(fd, `${lines.join('\n')}\n`);
		// The data and the size it needs to be read back, without the file times: an append a watch
		// makes every second costs the disk less.
		fs.fdatasyncSync(fd);
		end = next;
		// After the lines: a crash in between leaves the head behind by this write, which reading allows.
		writeHead();
	};
	return {
		append: (event) => appendAll([event]),
		appendAll,
		close() {
			if (fd === undefined) return;
			fs.closeSync(fd);
			if (headFd !== undefined) fs.closeSync(headFd);
			fd = undefined;
			headFd = undefined;
		},
	};
};

export type FollowOptions = {
	/** How often to look for new lines when no file change is signalled. */
	intervalMs?: number;
	/** Deliver events after this seq (the number of events already read); default: only events appended from now on. */
	after?: number;
	/** The journal stopped verifying (edited, truncated): following ends. Default: written to stderr. */
	onError?: (message: string) => void;
};

/** Tails a journal another process writes: verified new events, in order, within ~intervalMs. Returns stop(). */
export const followJournal = (
	file: string,
	onEvents: (events: EngineEvent[]) => void,
	options: FollowOptions = {},
): (() => void) => {
	const name = path.basename(file);
	const onError = options.onError ?? ((message: string) => process.stderr.write(`greenlight: ${message}\n`));
	let end = start;
	let offset = 0;
	let deliverAfter = options.after;
	let stopped = false;
	let watcher: fs.FSWatcher | undefined;
	let timer: NodeJS.Timeout | undefined;

	const stop = () => {
		stopped = true;
		watcher?.close();
		if (timer) clearInterval(timer);
	};

	const poll = () => {
		if (stopped) return;
		let data: Buffer;
		try {
			const size = fs.statSync(file).size;
			if (size === offset) return;
			if (size < offset) {
				stop();
				return onError(`${name}: the journal shrank below line ${end.line} (truncated); stopped following`);
			}
			// Re-read from the end of the last complete line: a line still being written is read next time.
			const fd = fs.openSync(file, 'r');
			try {
				data = Buffer.alloc(size - offset);
				fs.readSync(fd, data, 0, data.length, offset);
			} finally {
				fs.closeSync(fd);
			}
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
			stop();
			return onError(`cannot read ${file}: ${(error as Error).message}; stopped following`);
		}
		const scanned = scan(data, end, name, 'wait');
		if (!scanned.ok) {
			stop();
			return onError(`${scanned.message}; stopped following`);
		}
		offset += scanned.consumed;
		end = scanned.end;
		const fresh = scanned.entries.filter((entry) => deliverAfter === undefined || entry.seq > deliverAfter).map((entry) => entry.event);
		if (fresh.length > 0) onEvents(fresh);
	};

	if (deliverAfter === undefined) {
		// What is there now the caller has read itself: start from its end.
		deliverAfter = Number.POSITIVE_INFINITY;
		poll();
		deliverAfter = end.seq;
	} else {
		setImmediate(poll);
	}

	timer = setInterval(poll, options.intervalMs ?? 100);
	try {
		watcher = fs.watch(file, () => poll());
		watcher.on('error', () => watcher?.close());
	} catch {
		// No file yet or no watch support here: the interval alone keeps up.
	}
	return stop;
};
