import {z} from 'zod';

// What the pair and the driver say to each other over the session's socket, one JSON object per
// line. Everything that arrives is parsed here: strings only, bounded, printable; anything else is
// refused with a reason and never reaches the run loop, the journal or a screen.

/** Longest line either side accepts; a longer one ends the connection. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** No control characters (escape sequences, carriage returns, NUL) and no bidi controls. */
const printableText = (max: number) =>
	z
		.string()
		.min(1)
		.max(max)
		.refine((text) => !/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(text), 'must be printable text');

export const OperatorName = printableText(64).refine((name) => !/\s/.test(name), 'must be one word');

const PairIntent = z.discriminatedUnion('type', [
	z.strictObject({type: z.literal('note'), text: printableText(2000)}),
	z.strictObject({type: z.literal('confirm'), phase: printableText(128)}),
]);

export type PairIntent = z.infer<typeof PairIntent>;

/** From `greenlight join` to the driver. */
export const PairMessage = z.discriminatedUnion('type', [
	/** The first message: who the pair says it is (verified by the mode's proof, or not at all in "name" mode). */
	z.strictObject({type: z.literal('hello'), operator: OperatorName}),
	/** uid mode: the proof file for the nonce was created; its owner is the pair's Unix user. */
	z.strictObject({type: z.literal('proof')}),
	/** An intent; in ssh-key mode a confirmation carries an SSH signature of `signedText(…)`. */
	z.strictObject({type: z.literal('intent'), id: z.number().int().nonnegative(), intent: PairIntent, signature: z.string().max(16_384).optional()}),
]);

export type PairMessage = z.infer<typeof PairMessage>;

/** How a pair's identity is established: another Unix user, an SSH signature, or a name (rehearsals). */
export type PairVerification = 'uid' | 'ssh-key' | 'name';

export type PairIdentity = {operator: string; verified: PairVerification; uid?: number};

/** From the driver to the pair. */
export type DriverMessage =
	| {type: 'challenge'; nonce: string; mode: PairVerification; proofDir?: string}
	| {type: 'welcome'; identity: PairIdentity; nonce: string}
	| {type: 'events'; events: unknown[]}
	| {type: 'result'; id: number; ok: true; nonce: string}
	| {type: 'result'; id: number; ok: false; reason: string; nonce: string}
	| {type: 'refused'; reason: string};

/** The exact text a pair signs to confirm a phase in ssh-key mode: bound to the session, the phase and a one-time nonce. */
export const signedText = (session: string, phase: string, nonce: string): string =>
	`greenlight confirm\nsession ${session}\nphase ${phase}\nnonce ${nonce}\n`;

/** The SSH signature namespace (ssh-keygen -Y sign -n …): a signature for greenlight is valid for nothing else. */
export const SIGNATURE_NAMESPACE = 'greenlight-confirm';

export type Parsed<T> = {ok: true; value: T} | {ok: false; reason: string};

/** One line as a message, or why it is not one (the first problem, with its path). */
export const parseMessage = <T>(schema: z.ZodType<T>, line: string): Parsed<T> => {
	let value: unknown;
	try {
		value = JSON.parse(line);
	} catch {
		return {ok: false, reason: 'not JSON'};
	}
	const result = schema.safeParse(value);
	if (result.success) return {ok: true, value: result.data};
	const issue = result.error.issues[0];
	return {ok: false, reason: `${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'}`};
};

/** Splits a byte stream into lines; a line longer than the limit is reported instead of kept. */
export const lineReader = (onLine: (line: string) => void, onTooLong: () => void) => {
	let buffered = '';
	return (chunk: Buffer | string) => {
		buffered += chunk.toString();
		if (buffered.length > MAX_MESSAGE_BYTES && !buffered.includes('\n')) {
			buffered = '';
			onTooLong();
			return;
		}
		const lines = buffered.split('\n');
		buffered = lines.pop() ?? '';
		for (const line of lines) if (line.trim()) onLine(line);
	};
};
