import {createHash} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {BEHIND_BYTES, openLogWriter} from '../../source/adapters/log-writer.js';

let dir: string;
beforeEach(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'greenlight-log-writer-'));
});
afterEach(() => fs.rmSync(dir, {recursive: true, force: true}));

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('log writer: appends off the event loop, marks what is in the file', () => {
	it('given text appended between marks, then each mark settles in order with the size and hash of everything up to it', async () => {
		const file = path.join(dir, 'step.log');
		const writer = openLogWriter(file);
		const parts = ['first\n', 'ü'.repeat(700_000), '\nlast\n'];
		const marks = parts.map((part) => {
			writer.append(part);
			return writer.mark();
		});
		const settled = await Promise.all(marks);
		await writer.close();

		let sofar = '';
		settled.forEach((mark, index) => {
			sofar += parts[index];
			expect(mark).toEqual({logBytes: Buffer.byteLength(sofar), sha256: sha256(sofar)});
		});
		expect(fs.readFileSync(file, 'utf8')).toBe(parts.join(''));
	});

	it('given more than it can write at once, then it says it is behind until it caught up', async () => {
		const writer = openLogWriter(path.join(dir, 'step.log'));
		const block = 'x'.repeat(1024 * 1024);
		for (let index = 0; index * block.length <= BEHIND_BYTES; index++) writer.append(block);
		const waiting = writer.behind();
		expect(waiting).toBeInstanceOf(Promise);
		await waiting;
		await writer.close();
		expect(fs.statSync(path.join(dir, 'step.log')).size).toBeGreaterThan(BEHIND_BYTES);
	});

	it('given a draft that must be new and a file in its place, then opening it fails and the file is untouched', () => {
		const file = path.join(dir, 'draft.tmp');
		fs.writeFileSync(file, 'planted');
		expect(() => openLogWriter(file, {exclusive: true}).append('x')).toThrow(/EEXIST/);
		expect(fs.readFileSync(file, 'utf8')).toBe('planted');
	});

	it.skipIf(!fs.existsSync('/dev/full'))('given a disk that is full, then the mark says the log could not be written, and neither close nor behind waits forever', async () => {
		const writer = openLogWriter('/dev/full', {name: 'step.log'});
		writer.append('a line\n');
		const mark = await writer.mark();
		expect(mark.failure).toMatch(/^the log step\.log could not be written \(.*ENOSPC/);
		expect(writer.append('more\n')).toBe(0);
		expect(writer.behind()).toBeUndefined();
		await writer.close();
	});
});
