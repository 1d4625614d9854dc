import {describe, expect, it} from 'vitest';
import {printable, printableEvent, printableLine} from '../../source/engine/printable.js';

describe('printable: text a terminal shows but never obeys', () => {
	it('given escape sequences, a bare carriage return, NUL, C1 and bidi controls, then each is shown as a visible escape; tab and newline stay', () => {
		expect(printable('\u001b]52;c;aGk=\u0007 a\rb\u0000 \u009b2J \u202eexe\tok\nnext')).toBe('\\x1b]52;c;aGk=\\x07 a\\x0db\\x00 \\x9b2J \\u202eexe\tok\nnext');
	});

	it('given a line, then a newline inside it is escaped too', () => {
		expect(printableLine('one\ntwo')).toBe('one\\x0atwo');
	});

	it('given an event, then every string in it is printable, keys included, and numbers stay numbers', () => {
		const event = printableEvent({type: 'note-added', ts: 5, text: 'hi\u001b[31m', operator: 'bob\u001b]0;x\u0007'});
		expect(event).toEqual({type: 'note-added', ts: 5, text: 'hi\\x1b[31m', operator: 'bob\\x1b]0;x\\x07'});
	});

	it('given plain text, then it is returned as it is', () => {
		const text = 'Traffic-Switch (Canary → Full) · p95 ≤ 300 ms';
		expect(printable(text)).toBe(text);
	});
});
