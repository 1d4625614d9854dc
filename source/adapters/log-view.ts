import fs from 'node:fs';
import path from 'node:path';
import {logFileName} from './step-output.js';

// A step's full log (logs/<phase>.<step>.log, written by step-output.ts) for reading on screen, the
// way `less` reads a file: the bytes are never all in memory. An index of line offsets grows with the
// file, a checkpoint every LINE_STRIDE lines, so a million-line log costs a few thousand numbers; a
// window of lines is read from the nearest checkpoint on demand; a search streams through the file
// in chunks. Growth is noticed by fs.watch while someone looks (`follow`), like `less +F`.

/** One checkpoint per this many lines: reading a window starts at most this many lines early. */
const LINE_STRIDE = 128;
/** Bytes read per system call while indexing, reading and searching. */
const CHUNK_BYTES = 1024 * 1024;
/** While the log file does not exist yet, how often to look for it. */
const ABSENT_POLL_MS = 500;
const NEWLINE = 0x0a;

export type LogSearch = {
	/** Where to start: this line is the first one looked at. */
	from: number;
	/** Look upwards from `from` instead of downwards. */
	backward?: boolean;
	/** Go on from the other end when nothing is found before the end (default true). */
	wrap?: boolean;
};

export type LogMatch = {line: number; wrapped: boolean};

export type LogView = {
	readonly file: string;
	/** Lines indexed so far; a last line still without its newline counts. */
	lineCount(): number;
	/**
	 * Indexes what was appended since the last call, reading at most `budgetBytes` (all when
	 * absent). True when the index has reached the end of the file. A file cut shorter is indexed afresh.
	 */
	index(budgetBytes?: number): boolean;
	/** Up to `count` lines from line `from` (0-based) of the indexed part, without their newlines. */
	lines(from: number, count: number): string[];
	/** The first line containing `text` (not case-sensitive), from `from` on (or back from it). */
	search(text: string, options: LogSearch): LogMatch | undefined;
	/** Calls `onChange` whenever the file changes, until the returned function is called. */
	follow(onChange: () => void): () => void;
	close(): void;
};

/** The logs of a session: one view per step, opened when a person looks at it. */
export type StepLogs = {
	/** Where a step's log lives, for the screen to name it. */
	file(phase: string, step: string): string;
	open(phase: string, step: string): LogView;
};

export const sessionLogs = (logsDir: string): StepLogs => ({
	file: (phase, step) => path.join(logsDir, logFileName(phase, step)),
	open: (phase, step) => openLogView(path.join(logsDir, logFileName(phase, step))),
});

const sizeOf = (file: string): number => {
	try {
		return fs.statSync(file).size;
	} catch {
		return 0;
	}
};

export const openLogView = (file: string): LogView => {
	let fd: number | undefined;
	/** Byte offset of line k × LINE_STRIDE. */
	let checkpoints: number[] = [0];
	/** Complete lines (newlines seen) and bytes scanned so far. */
	let complete = 0;
	let scanned = 0;
	const buffer = Buffer.allocUnsafe(CHUNK_BYTES);

	const descriptor = (): number | undefined => {
		if (fd !== undefined) return fd;
		try {
			fd = fs.openSync(file, 'r');
		} catch {
			return undefined;
		}
		return fd;
	};

	const read = (position: number, length = CHUNK_BYTES): number => {
		const handle = descriptor();
		if (handle === undefined) return 0;
		return fs.readSync(handle, buffer, 0, Math.min(length, CHUNK_BYTES), position);
	};

	const reset = () => {
		checkpoints = [0];
		complete = 0;
		scanned = 0;
	};

	const index = (budgetBytes = Number.POSITIVE_INFINITY): boolean => {
		const size = sizeOf(file);
		if (size < scanned) reset();
		let budget = budgetBytes;
		while (scanned < size && budget > 0) {
			const got = read(scanned, Math.min(CHUNK_BYTES, size - scanned, budget));
			if (got <= 0) break;
			for (let at = buffer.indexOf(NEWLINE, 0); at !== -1 && at < got; at = buffer.indexOf(NEWLINE, at + 1)) {
				complete += 1;
				if (complete % LINE_STRIDE === 0) checkpoints.push(scanned + at + 1);
			}
			scanned += got;
			budget -= got;
		}
		return scanned >= size;
	};

	/** Byte offset where line `line` starts, reading forward from its checkpoint. */
	const lineStart = (line: number): number => {
		const checkpoint = Math.min(Math.floor(line / LINE_STRIDE), checkpoints.length - 1);
		let position = checkpoints[checkpoint]!;
		let toSkip = line - checkpoint * LINE_STRIDE;
		while (toSkip > 0 && position < scanned) {
			const got = read(position, Math.min(CHUNK_BYTES, scanned - position));
			if (got <= 0) break;
			let at = -1;
			while (toSkip > 0) {
				at = buffer.indexOf(NEWLINE, at + 1);
				if (at === -1 || at >= got) break;
				toSkip -= 1;
			}
			if (toSkip === 0) return position + at + 1;
			position += got;
		}
		return position;
	};

	const lineCount = () => complete + (scanned > 0 && lastByteIsNotNewline() ? 1 : 0);

	let tailChecked = -1;
	let tailOpen = false;
	/** Whether the indexed part ends in the middle of a line (remembered per scanned size). */
	const lastByteIsNotNewline = (): boolean => {
		if (tailChecked === scanned) return tailOpen;
		tailChecked = scanned;
		tailOpen = read(scanned - 1, 1) === 1 && buffer[0] !== NEWLINE;
		return tailOpen;
	};

	const lines = (from: number, count: number): string[] => {
		const total = lineCount();
		const first = Math.max(0, Math.min(from, total));
		const wanted = Math.max(0, Math.min(count, total - first));
		const result: string[] = [];
		if (wanted === 0) return result;
		let position = lineStart(first);
		let pending: Buffer[] = [];
		while (result.length < wanted && position < scanned) {
			const got = read(position, Math.min(CHUNK_BYTES, scanned - position));
			if (got <= 0) break;
			let start = 0;
			for (let at = buffer.indexOf(NEWLINE, 0); at !== -1 && at < got && result.length < wanted; at = buffer.indexOf(NEWLINE, at + 1)) {
				pending.push(Buffer.from(buffer.subarray(start, at)));
				result.push(decodeLine(pending));
				pending = [];
				start = at + 1;
			}
			if (result.length < wanted) pending.push(Buffer.from(buffer.subarray(start, got)));
			position += got;
		}
		// The last line, still waiting for its newline.
		if (result.length < wanted && pending.length > 0) result.push(decodeLine(pending));
		return result;
	};

	const search = (text: string, options: LogSearch): LogMatch | undefined => {
		const needle = text.toLowerCase();
		if (!needle) return undefined;
		const total = lineCount();
		if (total === 0) return undefined;
		const from = Math.max(0, Math.min(options.from, total - 1));
		const wrap = options.wrap ?? true;
		if (options.backward) {
			const before = lastMatch(needle, 0, from + 1);
			if (before !== undefined) return {line: before, wrapped: false};
			const after = wrap ? lastMatch(needle, from + 1, total) : undefined;
			return after === undefined ? undefined : {line: after, wrapped: true};
		}
		const ahead = firstMatch(needle, from, total);
		if (ahead !== undefined) return {line: ahead, wrapped: false};
		const again = wrap ? firstMatch(needle, 0, from) : undefined;
		return again === undefined ? undefined : {line: again, wrapped: true};
	};

	/**
	 * Streams lines [from, to) in pieces that end at a newline, each piece lower-cased whole, and
	 * hands over the line of each match. An ASCII needle is looked for in the bytes themselves (far
	 * faster than text for a million lines); any other is looked for in the decoded text.
	 */
	const scanMatches = (needle: string, from: number, to: number, onMatch: (line: number) => boolean) => {
		const ascii = isAscii(needle);
		const pattern = Buffer.from(ascii ? lowerAsciiText(needle) : needle.toLowerCase(), 'utf8');
		let position = lineStart(from);
		let line = from;
		let carry = Buffer.alloc(0);
		while (line < to && position < scanned) {
			const got = read(position, Math.min(CHUNK_BYTES, scanned - position));
			if (got <= 0) break;
			position += got;
			const atEnd = position >= scanned;
			const chunk = carry.length > 0 ? Buffer.concat([carry, buffer.subarray(0, got)]) : buffer.subarray(0, got);
			const lastNewline = chunk.lastIndexOf(NEWLINE);
			if (lastNewline === -1 && !atEnd) {
				carry = Buffer.from(chunk);
				continue;
			}
			const cut = atEnd ? chunk.length : lastNewline + 1;
			carry = atEnd ? Buffer.alloc(0) : Buffer.from(chunk.subarray(cut));
			const piece = chunk.subarray(0, cut);
			const lowered = ascii ? lowerAsciiBytes(piece) : Buffer.from(piece.toString('utf8').toLowerCase(), 'utf8');
			let counted = 0;
			let lineAt = line;
			for (let hit = lowered.indexOf(pattern); hit !== -1; ) {
				for (let at = lowered.indexOf(NEWLINE, counted); at !== -1 && at < hit; at = lowered.indexOf(NEWLINE, at + 1)) {
					lineAt += 1;
					counted = at + 1;
				}
				if (lineAt >= to || !onMatch(lineAt)) return;
				// The next match on a later line: the rest of this one does not count twice.
				const end = lowered.indexOf(NEWLINE, hit);
				if (end === -1) break;
				hit = lowered.indexOf(pattern, end + 1);
			}
			for (let at = lowered.indexOf(NEWLINE, counted); at !== -1; at = lowered.indexOf(NEWLINE, at + 1)) lineAt += 1;
			line = lineAt;
		}
	};

	const firstMatch = (needle: string, from: number, to: number): number | undefined => {
		let found: number | undefined;
		scanMatches(needle, from, to, (line) => {
			found = line;
			return false;
		});
		return found;
	};

	const lastMatch = (needle: string, from: number, to: number): number | undefined => {
		let found: number | undefined;
		scanMatches(needle, from, to, (line) => {
			found = line;
			return true;
		});
		return found;
	};

	const follow = (onChange: () => void): (() => void) => {
		let watcher: fs.FSWatcher | undefined;
		let timer: NodeJS.Timeout | undefined;
		let stopped = false;
		const watch = (): boolean => {
			try {
				watcher = fs.watch(file, {persistent: false}, () => onChange());
				watcher.on('error', () => {
					watcher?.close();
					watcher = undefined;
					if (!stopped) waitForFile();
				});
				return true;
			} catch {
				return false;
			}
		};
		// Until the step writes its first line there is no file to watch: look for it now and then.
		const waitForFile = () => {
			timer = setInterval(() => {
				if (!fs.existsSync(file)) return;
				clearInterval(timer);
				timer = undefined;
				if (watch()) onChange();
			}, ABSENT_POLL_MS);
			timer.unref();
		};
		if (!watch()) waitForFile();
		return () => {
			stopped = true;
			watcher?.close();
			if (timer) clearInterval(timer);
		};
	};

	const close = () => {
		if (fd !== undefined) fs.closeSync(fd);
		fd = undefined;
	};

	return {file, lineCount, index, lines, search, follow, close};
};

const isAscii = (text: string): boolean => /^[\u0000-\u007f]*$/.test(text);

const lowerAsciiText = (text: string): string => text.replace(/[A-Z]/g, (letter) => letter.toLowerCase());

/** A-Z to a-z, every other byte as it is (UTF-8 sequences never contain ASCII bytes). */
const LOWER = Uint8Array.from({length: 256}, (_, byte) => (byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte));

const lowerAsciiBytes = (bytes: Buffer): Buffer => {
	const lowered = Buffer.allocUnsafe(bytes.length);
	for (let index = 0; index < bytes.length; index++) lowered[index] = LOWER[bytes[index]!]!;
	return lowered;
};

/** A line's bytes as text; a carriage return before the newline is not part of it. */
const decodeLine = (pieces: Buffer[]): string => {
	const text = (pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces)).toString('utf8');
	return text.endsWith('\r') ? text.slice(0, -1) : text;
};
