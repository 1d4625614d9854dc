import {createHash} from 'node:crypto';
import fs from 'node:fs';

// A step's log file, appended to without holding up the event loop. Text is encoded at once into
// one of a few reusable blocks, so nothing waits on the heap as strings and no fresh memory is
// taken per write; a block goes to the file in one call once the write before it is done. Bytes
// are hashed as they are written: a mark() is the size and sha256 of what this writer appended,
// up to that point, once it is in the file.

/** Bytes of one block: one write call at most, unless a single text is larger. */
const BLOCK_BYTES = 1024 * 1024;
/** Blocks kept for reuse once written. */
const BLOCKS_KEPT = 4;
/** Bytes appended and not yet written beyond which the writer is behind. */
export const BEHIND_BYTES = 3 * BLOCK_BYTES;

/** Append, create 0600, and never through a symbolic link planted in the session folder. */
const APPEND_NO_FOLLOW = fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW;
const NEW_FILE_ONLY = fs.constants.O_EXCL;
const NEWLINE = 0x0a;

/** The log at a mark: its size in the file, the sha256 of this writer's bytes up to it, and why writing stopped, if it did. */
export type LogMark = {logBytes: number; sha256: string; failure?: string};

export type LogWriter = {
	/** Appends text, opening the file the first time (an empty text only opens it); answers the bytes it adds (none once writing failed). */
	append(text: string): number;
	/** Everything appended so far: resolves once it is in the file (or writing failed). */
	mark(): Promise<LogMark>;
	/** A promise while more than BEHIND_BYTES wait to be written; undefined when the writer keeps up. */
	behind(): Promise<void> | undefined;
	/** Writes what is left and closes the file. */
	close(): Promise<void>;
};

type Block = {buffer: Buffer; length: number; reusable: boolean};

export const openLogWriter = (
	file: string,
	options: {
		/** How messages name the file. */
		name?: string;
		/** Refuse a file that exists already (a draft that must be new). */
		exclusive?: boolean;
	} = {},
): LogWriter => {
	const name = options.name ?? file;
	const hash = createHash('sha256');
	let fd: number | undefined;
	/** Size of the file before this writer appended to it. */
	let startBytes = 0;
	let appended = 0;
	let written = 0;
	let current: Block | undefined;
	const ready: Block[] = [];
	const spare: Buffer[] = [];
	let writing = false;
	let scheduled = false;
	let failure: string | undefined;
	/** Marks waiting for their bytes; each is where a block ends. */
	let marks: Array<{at: number; resolve: (mark: LogMark) => void}> = [];
	let waiters: Array<() => void> = [];

	const endsWithNewline = (): boolean => {
		const reader = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
		try {
			const last = Buffer.alloc(1);
			fs.readSync(reader, last, 0, 1, startBytes - 1);
			return last[0] === NEWLINE;
		} finally {
			fs.closeSync(reader);
		}
	};

	const open = (): number => {
		if (fd !== undefined) return 0;
		fd = fs.openSync(file, APPEND_NO_FOLLOW | (options.exclusive ? NEW_FILE_ONLY : 0), 0o600);
		startBytes = fs.fstatSync(fd).size;
		// The line an earlier run was cut off in (kill -9 inside a very long line) ends here.
		return startBytes > 0 && !endsWithNewline() ? encode('\n') : 0;
	};

	const finish = () => {
		if (current && current.length > 0) ready.push(current);
		current = undefined;
	};

	const encode = (text: string): number => {
		const bytes = Buffer.byteLength(text);
		if (bytes > BLOCK_BYTES) {
			finish();
			ready.push({buffer: Buffer.from(text), length: bytes, reusable: false});
		} else {
			if (current && current.length + bytes > BLOCK_BYTES) finish();
			current ??= {buffer: spare.pop() ?? Buffer.allocUnsafe(BLOCK_BYTES), length: 0, reusable: true};
			current.length += current.buffer.write(text, current.length);
		}
		appended += bytes;
		if (!scheduled) {
			scheduled = true;
			// Text appended within one turn of the event loop goes out in one write.
			setImmediate(pump);
		}
		return bytes;
	};

	const here = (): LogMark => ({logBytes: startBytes + written, sha256: hash.copy().digest('hex'), ...(failure ? {failure} : {})});

	/** Wakes `behind` callers once half caught up, and whoever waits for the writer to be idle. */
	const wake = () => {
		const idle = !writing && ready.length === 0 && !current;
		if (!idle && failure === undefined && appended - written > BEHIND_BYTES / 2) return;
		const woken = waiters;
		waiters = [];
		for (const resolve of woken) resolve();
	};

	const settle = () => {
		const due = failure === undefined ? marks.filter((mark) => mark.at <= written) : marks;
		marks = failure === undefined ? marks.filter((mark) => mark.at > written) : [];
		for (const mark of due) mark.resolve(here());
	};

	const pump = () => {
		scheduled = false;
		if (writing || fd === undefined) return;
		if (ready.length === 0) finish();
		const block = ready.shift();
		if (!block) return wake();
		writing = true;
		fs.write(fd, block.buffer, 0, block.length, null, (error, count) => {
			writing = false;
			if (error || count < block.length) {
				failure = `the log ${name} could not be written (${error?.message ?? 'short write: disk full?'}); the output from here on is not in it`;
				ready.length = 0;
				current = undefined;
			} else {
				hash.update(block.buffer.subarray(0, block.length));
				written += count;
			}
			if (block.reusable && spare.length < BLOCKS_KEPT) spare.push(block.buffer);
			settle();
			pump();
			wake();
		});
	};

	return {
		append(text) {
			if (failure !== undefined) return 0;
			const opened = open();
			return text === '' ? opened : opened + encode(text);
		},
		mark() {
			// A block ends at every mark, so the hash is taken exactly there.
			finish();
			if (failure !== undefined || written === appended) return Promise.resolve(here());
			if (!writing && !scheduled) {
				scheduled = true;
				setImmediate(pump);
			}
			return new Promise((resolve) => marks.push({at: appended, resolve}));
		},
		behind() {
			if (failure !== undefined || appended - written <= BEHIND_BYTES) return undefined;
			return new Promise<void>((resolve) => waiters.push(resolve));
		},
		async close() {
			finish();
			if (!scheduled) pump();
			while (failure === undefined && (writing || ready.length > 0)) await new Promise<void>((resolve) => waiters.push(resolve));
			settle();
			if (fd !== undefined) fs.closeSync(fd);
			fd = undefined;
		},
	};
};
