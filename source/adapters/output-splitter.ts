// Output cut at line ends as it arrives, for the command runner (a child's stdout) and the exports
// (a log file copied through the redactor): whole lines in as few calls as the chunks allow.

/** A line longer than this is passed on in pieces, so one endless line cannot grow without bound. */
export const MAX_LINE_CHARS = 64 * 1024;

export type OutputSplitter = {
	push(chunk: string): void;
	/** The stream ended: a last line without its newline is passed on as it is. */
	end(): void;
};

/**
 * Each call gets whole lines, each ending in "\n", as many as a chunk completed; a partial line
 * waits for its end, and one that would grow past MAX_LINE_CHARS goes on in pieces (`continues`).
 * Chunks are passed on as they came wherever they can be: copying large strings costs more here
 * than anything done with them.
 */
export const createOutputSplitter = (emit: (text: string, continues: boolean) => void): OutputSplitter => {
	let partial = '';
	return {
		push(chunk) {
			const end = chunk.lastIndexOf('\n');
			if (end === -1) {
				if (partial !== '' && partial.length + chunk.length > MAX_LINE_CHARS) {
					emit(partial, true);
					partial = '';
				}
				partial += chunk;
			} else {
				// The line that was waiting ends at the first newline; the lines after it go on as they are.
				const first = partial === '' ? -1 : chunk.indexOf('\n');
				if (first !== -1) emit(partial + chunk.slice(0, first + 1), false);
				if (end > first) emit(chunk.slice(first + 1, end + 1), false);
				partial = chunk.slice(end + 1);
			}
			while (partial.length > MAX_LINE_CHARS) {
				emit(partial.slice(0, MAX_LINE_CHARS), true);
				partial = partial.slice(MAX_LINE_CHARS);
			}
		},
		end() {
			if (partial !== '') emit(partial, false);
			partial = '';
		},
	};
};
