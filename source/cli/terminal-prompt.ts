import {createInterface} from 'node:readline/promises';
import {Writable} from 'node:stream';

/** Asks for a value on the terminal before the checklist starts; a secret is not echoed. */
export const promptValue = async (question: string, secret = false): Promise<string> => {
	let muted = false;
	const output = new Writable({
		write(chunk: Buffer | string, _encoding, callback) {
			if (!muted) process.stdout.write(chunk);
			callback();
		},
	});
	const readline = createInterface({input: process.stdin, output, terminal: true});
	try {
		const answer = readline.question(question);
		muted = secret;
		const value = (await answer).trim();
		if (secret) process.stdout.write('\n');
		return value;
	} finally {
		readline.close();
		// Closing pauses stdin and leaves raw mode; a screen that takes the terminal over in the same
		// turn of the event loop (the checklist, drawn at once since the pair's socket opens after it)
		// got none of its keys. One turn lets the close settle first.
		await new Promise((resolve) => setImmediate(resolve));
	}
};
