import {describe, expect, it} from 'vitest';
import {plainLines} from '../../source/cli/event-printer.js';

describe('plain output of a step\'s output', () => {
	it('given a batch that carries every line it counted, then each line is printed', () => {
		expect(plainLines({type: 'step-output', ts: 0, phase: 'pre', step: 'ci', lines: ['one', 'two'], count: 2})).toEqual(['           │ one', '           │ two']);
	});

	it('given a batch of a fast command, then the lines it does not carry are counted and the log named, before its last lines', () => {
		const event = {type: 'step-output', ts: 0, phase: 'out', step: 'seq', lines: ['999999', '1000000'], count: 734_512, bytes: 5_000_000, log: 'out.seq.log', logBytes: 6_888_896, logSha256: 'ab'} as const;
		expect(plainLines({...event, lines: [...event.lines]})).toEqual(['           │ … 734510 earlier lines in logs/out.seq.log', '           │ 999999', '           │ 1000000']);
	});

	it('given a batch from an older journal (every line, no count), then every line is printed', () => {
		expect(plainLines({type: 'step-output', ts: 0, phase: 'pre', step: 'ci', lines: ['a', 'b', 'c']})).toHaveLength(3);
	});
});
