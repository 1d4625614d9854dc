import type {EngineEvent} from './events.js';

// The one sanitiser for text that reaches a terminal or a file a person reads: a step's output, a
// note, an operator's name, a reason. Every control character but tab and newline — ESC and CSI
// among them (colours, cursor moves, OSC 52 clipboard writes, title changes), a bare carriage
// return that would overwrite what is before it, NUL — and the Unicode bidi controls that reorder
// what is shown are replaced by a visible escape such as `\x1b` or `\u202e`: read, never obeyed.

const controls = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const everyControl = new RegExp(controls.source, 'g');

const visible = (character: string): string => {
	const code = character.charCodeAt(0);
	return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/** The text with each control character other than tab and newline shown as its escape. */
export const printable = (text: string): string => (controls.test(text) ? text.replace(everyControl, visible) : text);

/** One line of output: a newline inside it is shown as `\x0a` too. */
export const printableLine = (line: string): string => printable(line).replaceAll('\n', '\\x0a');

const mapText = (value: unknown): unknown => {
	if (typeof value === 'string') return printable(value);
	if (Array.isArray(value)) return value.map(mapText);
	if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [printable(key), mapText(item)]));
	return value;
};

/** Every string of an event, keys included, made printable; numbers and structure are kept. */
export const printableEvent = <E extends EngineEvent>(event: E): E => mapText(event) as E;
