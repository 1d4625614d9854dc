import {appendFileSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openLogView, sessionLogs, type LogView} from '../../source/adapters/log-view.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gl-log-view-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

/** Waits until `follow` reports a change; the view is indexed again and answers. */
const nextChange = (view: LogView): Promise<void> =>
	new Promise((resolve) => {
		const stop = view.follow(() => {
			stop();
			resolve();
		});
	});

const MILLION = 1_000_000;
const lineText = (index: number): string => `line ${index} of the deploy: ${index % 3 === 0 ? 'pulling layer' : 'waiting for health checks'}`;

describe('a million-line log', () => {
	const file = path.join(dir, 'smoke.deploy.log');
	let view: LogView;

	beforeAll(() => {
		// Written in pieces: the whole text would be a large string for nothing.
		const pieces: string[] = [];
		for (let index = 0; index < MILLION; index++) {
			pieces.push(index === 777_777 ? 'ERROR: Machine 3d8d0000 failed its NEEDLE check' : lineText(index));
			if (pieces.length === 50_000) {
				appendFileSync(file, `${pieces.join('\n')}\n`);
				pieces.length = 0;
			}
		}
		view = openLogView(file);
	});

	it('given it is indexed, then it counts every line and reads windows at the start, the middle and the end', () => {
		expect(view.index()).toBe(true);
		expect(view.lineCount()).toBe(MILLION);
		expect(view.lines(0, 3)).toEqual([lineText(0), lineText(1), lineText(2)]);
		expect(view.lines(500_000, 2)).toEqual([lineText(500_000), lineText(500_001)]);
		expect(view.lines(MILLION - 2, 10)).toEqual([lineText(MILLION - 2), lineText(MILLION - 1)]);
		expect(view.lines(MILLION, 5)).toEqual([]);
	});

	it('given a search for a word in another case, then it finds its line forward, backward and around the end', () => {
		expect(view.search('needle', {from: 0})).toEqual({line: 777_777, wrapped: false});
		expect(view.search('needle', {from: 900_000})).toEqual({line: 777_777, wrapped: true});
		expect(view.search('needle', {from: 900_000, backward: true})).toEqual({line: 777_777, wrapped: false});
		expect(view.search('needle', {from: 900_000, wrap: false})).toBeUndefined();
		expect(view.search('no such text anywhere', {from: 0})).toBeUndefined();
		expect(view.lines(777_777, 1)).toEqual(['ERROR: Machine 3d8d0000 failed its NEEDLE check']);
	});

	it('given the index is built in slices, then each slice reads no more than asked and the count grows to the end', () => {
		const sliced = openLogView(file);
		expect(sliced.index(4 * 1024 * 1024)).toBe(false);
		const part = sliced.lineCount();
		expect(part).toBeGreaterThan(0);
		expect(part).toBeLessThan(MILLION);
		// What is indexed can already be read.
		expect(sliced.lines(0, 1)).toEqual([lineText(0)]);
		while (!sliced.index(4 * 1024 * 1024));
		expect(sliced.lineCount()).toBe(MILLION);
		sliced.close();
	});
});

describe('a growing log', () => {
	it('given lines are appended while it is followed, then the change is reported and the new lines can be read', async () => {
		const file = path.join(dir, 'growing.log');
		writeFileSync(file, 'first\nsecond\n');
		const view = openLogView(file);
		view.index();
		expect(view.lineCount()).toBe(2);
		const changed = nextChange(view);
		appendFileSync(file, 'third\n');
		await changed;
		view.index();
		expect(view.lineCount()).toBe(3);
		expect(view.lines(1, 5)).toEqual(['second', 'third']);
		view.close();
	});

	it('given the log does not exist yet, then following waits for the file and reports when it appears', async () => {
		const file = path.join(dir, 'later.log');
		const view = openLogView(file);
		expect(view.index()).toBe(true);
		expect(view.lineCount()).toBe(0);
		expect(view.lines(0, 10)).toEqual([]);
		const changed = nextChange(view);
		writeFileSync(file, '$ fly deploy\n');
		await changed;
		view.index();
		expect(view.lines(0, 1)).toEqual(['$ fly deploy']);
		view.close();
	});

	it('given a last line without its newline yet, then it is shown, and it is whole once the rest arrives', () => {
		const file = path.join(dir, 'partial.log');
		writeFileSync(file, 'done\r\nhalf a li');
		const view = openLogView(file);
		view.index();
		expect(view.lineCount()).toBe(2);
		expect(view.lines(0, 2)).toEqual(['done', 'half a li']);
		appendFileSync(file, 'ne\nnext\n');
		view.index();
		expect(view.lines(0, 5)).toEqual(['done', 'half a line', 'next']);
		expect(view.search('LINE', {from: 0})).toEqual({line: 1, wrapped: false});
		view.close();
	});

	it('given the file was cut shorter, then it is indexed afresh', () => {
		const file = path.join(dir, 'cut.log');
		writeFileSync(file, 'a\nb\nc\n');
		const view = openLogView(file);
		view.index();
		writeFileSync(file, 'z\n');
		view.index();
		expect(view.lineCount()).toBe(1);
		expect(view.lines(0, 3)).toEqual(['z']);
		view.close();
	});

	it('given a line of several megabytes, then it is read whole and a search finds what is at its end', () => {
		const file = path.join(dir, 'long-line.log');
		writeFileSync(file, `short\n${'x'.repeat(3 * 1024 * 1024)}tail-marker\nafter\n`);
		const view = openLogView(file);
		view.index();
		expect(view.lineCount()).toBe(3);
		expect(view.lines(1, 1)[0]).toHaveLength(3 * 1024 * 1024 + 'tail-marker'.length);
		expect(view.lines(2, 1)).toEqual(['after']);
		expect(view.search('TAIL-marker', {from: 0})).toEqual({line: 1, wrapped: false});
		expect(view.search('after', {from: 0})).toEqual({line: 2, wrapped: false});
		view.close();
	});
});

describe('the logs of a session', () => {
	it('names a step’s log as the step output writes it: logs/<phase>.<step>.log', () => {
		const logs = sessionLogs(path.join(dir, 'logs'));
		expect(logs.file('smoke', 'contract')).toBe(path.join(dir, 'logs', 'smoke.contract.log'));
		const view = logs.open('smoke', 'contract');
		expect(view.file).toBe(logs.file('smoke', 'contract'));
		view.close();
	});
});
