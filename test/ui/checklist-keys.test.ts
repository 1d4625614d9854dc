import type {Key} from 'ink';
import {describe, expect, test} from 'vitest';
import {
	inspectFooter,
	interpretKey,
	keyPresses,
	logTop,
	type KeyContext,
	type KeyMode,
} from '../../source/ui/checklist-keys.js';
import {defaultItem, moveCursor} from '../../source/ui/cursor.js';
import {failingGate, fold, prepDone, started} from './checklist-harness.js';

const noKey: Key = {
	upArrow: false,
	downArrow: false,
	leftArrow: false,
	rightArrow: false,
	pageDown: false,
	pageUp: false,
	home: false,
	end: false,
	return: false,
	escape: false,
	ctrl: false,
	shift: false,
	tab: false,
	backspace: false,
	delete: false,
	meta: false,
	super: false,
	hyper: false,
	capsLock: false,
	numLock: false,
	eventType: 'press',
} as Key;

const press = (input: string, key: Partial<Key> = {}) => ({input, key: {...noKey, ...key}});
const up = press('', {upArrow: true});
const down = press('', {downArrow: true});
const right = press('', {rightArrow: true});
const left = press('', {leftArrow: true});
const escape = press('', {escape: true});
const enter = press('\r', {return: true});

/** Presses keys one after the other from `mode`, as the hook does; returns every outcome. */
const keys = (context: Omit<KeyContext, 'mode'> & {mode?: KeyMode}, ...presses: Array<{input: string; key: Key}>) => {
	let mode: KeyMode = context.mode ?? {kind: 'normal'};
	return presses.map(({input, key}) => {
		const outcome = interpretKey({...context, mode}, input, key);
		mode = outcome.mode;
		return outcome;
	});
};

const ready = fold(prepDone);
const driver = {state: ready, role: 'driver' as const, operator: 'alice'};

describe('the cursor', () => {
	test('given the watch runs, the cursor starts on it; ↓ and j move down, ↑ and k up, and it stops at the ends', () => {
		expect(defaultItem(ready)).toEqual({phase: 'smoke', step: 'observe'});
		const moves = keys(driver, down, press('j'), up, press('k'), press('k'));
		expect(moves.map((outcome) => outcome.mode)).toEqual([
			{kind: 'cursor', at: {phase: 'smoke', step: 'after'}},
			{kind: 'cursor', at: {phase: 'switch'}},
			{kind: 'cursor', at: {phase: 'smoke', step: 'after'}},
			{kind: 'cursor', at: {phase: 'smoke', step: 'observe'}},
			{kind: 'cursor', at: {phase: 'smoke', step: 'deploy'}},
		]);
		expect(moveCursor(ready, {phase: 'prep'}, -5)).toEqual({phase: 'prep'});
		// The rollback procedure is the last place the cursor can go.
		expect(moveCursor(ready, {phase: 'prep'}, 100)).toEqual({phase: 'rollback', step: 'back'});
	});

	test('given a moved cursor, Enter still asks to confirm the current phase and the cursor follows the run again', () => {
		const state = fold([...started, {type: 'step-started', phase: 'prep', step: 'ci', attempt: 1}, {type: 'step-finished', phase: 'prep', step: 'ci', status: 'passed', exitCode: 0, durationMs: 5}, {type: 'step-ticked', phase: 'prep', step: 'oncall', operator: 'alice'}]);
		const [, confirmed] = keys({...driver, state}, down, enter);
		expect(confirmed!.intent).toEqual({type: 'confirm', phase: 'prep'});
		expect(confirmed!.mode).toEqual({kind: 'normal'});
	});

	test('given a moved cursor, Space ticks the manual step of the current phase, wherever the cursor is', () => {
		const state = fold([...started, {type: 'step-started', phase: 'prep', step: 'ci', attempt: 1}, {type: 'step-finished', phase: 'prep', step: 'ci', status: 'passed', exitCode: 0, durationMs: 5}]);
		const [, , tick] = keys({...driver, state}, down, down, press(' '));
		expect(tick!.intent).toEqual({type: 'tick'});
		expect(tick!.mode).toEqual({kind: 'cursor', at: {phase: 'smoke', step: 'deploy'}});
	});

	test('→ on a step opens its detail, following its log; → on a phase enters its first step; Esc goes back step by step', () => {
		const [opened] = keys({...driver, mode: {kind: 'cursor', at: {phase: 'prep', step: 'ci'}}}, right);
		expect(opened!.mode).toEqual({
			kind: 'detail',
			inspect: {phase: 'prep', step: 'ci', scroll: {top: 0, follow: true}, search: {}, back: {phase: 'prep', step: 'ci'}},
		});
		const [entered] = keys({...driver, mode: {kind: 'cursor', at: {phase: 'switch'}}}, press('l'));
		expect(entered!.mode).toEqual({kind: 'cursor', at: {phase: 'switch', step: 'shift'}});
		const backs = keys({...driver, mode: opened!.mode}, right, escape, left, escape);
		expect(backs.map((outcome) => outcome.mode.kind)).toEqual(['log', 'detail', 'cursor', 'normal']);
	});

	test('→ without a moved cursor opens the step the screen explains; Esc returns to the plain checklist', () => {
		const [opened, back] = keys(driver, right, escape);
		expect(opened!.mode).toMatchObject({kind: 'detail', inspect: {phase: 'smoke', step: 'observe'}});
		expect(back!.mode).toEqual({kind: 'normal'});
	});

	test('given the pair, the cursor and the detail work and send nothing', () => {
		const outcomes = keys({...driver, role: 'pair', operator: 'bob'}, down, right, press('G'), escape);
		expect(outcomes.every((outcome) => outcome.intent === undefined)).toBe(true);
		expect(outcomes.at(-1)!.mode.kind).toBe('cursor');
	});
});

describe('scrolling and searching a log', () => {
	const detail: KeyMode = {kind: 'detail', inspect: {phase: 'prep', step: 'ci', scroll: {top: 0, follow: true}, search: {}, back: undefined}};
	const log = {total: 100, rows: 10};
	const inLog = {...driver, mode: detail, log};

	test('given a log that follows its end, ↑ stops following one line up, PgUp a page, g the top, G follows again', () => {
		const [line, page, top, end] = keys(inLog, up, press('', {pageUp: true}), press('g'), press('G'));
		expect(line!.mode).toMatchObject({inspect: {scroll: {top: 89, follow: false}}});
		expect(page!.mode).toMatchObject({inspect: {scroll: {top: 80, follow: false}}});
		expect(top!.mode).toMatchObject({inspect: {scroll: {top: 0, follow: false}}});
		expect(end!.mode).toMatchObject({inspect: {scroll: {follow: true}}});
		expect(logTop({top: 0, follow: true}, log)).toBe(90);
	});

	test('scrolling down to the end sticks to it again, so new output comes into view', () => {
		const [down1] = keys({...inLog, mode: {...detail, inspect: {...detail.inspect, scroll: {top: 85, follow: false}}}}, press('', {pageDown: true}));
		expect(down1!.mode).toMatchObject({inspect: {scroll: {top: 90, follow: true}}});
	});

	test('/ opens the search line; typing and Enter ask for a search from the first line shown; Esc cancels', () => {
		const scrolled: KeyMode = {...detail, inspect: {...detail.inspect, scroll: {top: 40, follow: false}}};
		const outcomes = keys({...inLog, mode: scrolled}, press('/'), press('deploy'), press('', {backspace: true}), press('y'), enter);
		expect(outcomes[1]!.mode).toMatchObject({inspect: {search: {typing: 'deploy'}}});
		expect(outcomes.at(-1)!.search).toEqual({text: 'deploy', from: 40, backward: false});
		expect(outcomes.at(-1)!.mode).toMatchObject({inspect: {search: {query: 'deploy'}}});
		const [, cancelled] = keys({...inLog, mode: scrolled}, press('/'), escape);
		expect(cancelled!.mode).toEqual(scrolled);
	});

	test('given the last letters and Enter arrive in one piece, the search is asked for with every letter', () => {
		const outcomes = keys(inLog, press('/'), press('contrac'), press('t\r'));
		expect(outcomes.at(-1)!.search).toEqual({text: 'contract', from: 90, backward: false});
	});

	test('while typing a search, keys are text: q, n and Space do not quit, note or tick', () => {
		const outcomes = keys(inLog, press('/'), press('q'), press('n'), press(' '));
		expect(outcomes.every((outcome) => outcome.intent === undefined)).toBe(true);
		expect(outcomes.at(-1)!.mode).toMatchObject({kind: 'detail', inspect: {search: {typing: 'qn '}}});
	});

	test('n asks for the next match after the one found, N for the one before, both going round the ends', () => {
		const found: KeyMode = {...detail, inspect: {...detail.inspect, search: {query: 'error', match: 99}}};
		expect(keys({...inLog, mode: found}, press('n'))[0]!.search).toEqual({text: 'error', from: 0, backward: false});
		expect(keys({...inLog, mode: found}, press('N'))[0]!.search).toEqual({text: 'error', from: 98, backward: true});
		const first: KeyMode = {...detail, inspect: {...detail.inspect, search: {query: 'error', match: 0}}};
		expect(keys({...inLog, mode: first}, press('N'))[0]!.search).toEqual({text: 'error', from: 99, backward: true});
		expect(keys(inLog, press('n'))[0]!.flash).toBe('Nothing searched yet: / searches the log');
	});

	test('in the detail view Enter still confirms the current phase, and a refusal keeps the view', () => {
		const [refused] = keys({...inLog, state: fold(failingGate)}, enter);
		expect(refused!.intent).toBeUndefined();
		expect(refused!.flash).toMatch(/^Enter blocked: gate p95 failed/);
		expect(refused!.mode).toEqual(detail);
	});

	test('a question asked from the detail view returns to it: ? and q come back on Esc and n', () => {
		const [help, back] = keys(inLog, press('?'), escape);
		expect(help!.mode).toEqual({kind: 'help', back: detail});
		expect(back!.mode).toEqual(detail);
		const [quit, stay] = keys(inLog, press('q'), press('n'));
		expect(quit!.mode.kind).toBe('quit');
		expect(stay!.mode).toEqual(detail);
	});

	test('the detail’s keys line fits 80 columns with every key', () => {
		expect(inspectFooter(80)).toBe('↑↓=line PgUp/PgDn=page g/G=top/end /=search n/N=match →=full log Esc=back ?=help');
		expect(inspectFooter(120)).toBe('↑↓ line · PgUp/PgDn page · g/G top/end · / search · n/N match · → full log · Esc back · ? help');
		expect(inspectFooter(120, true)).not.toContain('full log');
	});
});

describe('keys that arrive together', () => {
	const pieces = (input: string, mode: KeyMode, after: (piece: string) => KeyMode = () => mode) => {
		let current = mode;
		const seen: Array<[string, boolean, boolean]> = [];
		for (const press of keyPresses(input, noKey, () => current)) {
			seen.push([press.input, press.together, press.key.return]);
			current = after(press.input);
		}
		return seen;
	};

	test('given "g/" from a fast typist, each is a key of its own, marked as having come together', () => {
		expect(pieces('g/', {kind: 'normal'})).toEqual([
			['g', true, false],
			['/', true, false],
		]);
	});

	test('given a search opened by the first key, the rest is its text, in one piece', () => {
		const detail: KeyMode = {kind: 'detail', inspect: {phase: 'p', step: 's', scroll: {top: 0, follow: true}, search: {}, back: undefined}};
		const typing: KeyMode = {kind: 'detail', inspect: {phase: 'p', step: 's', scroll: {top: 0, follow: true}, search: {typing: ''}, back: undefined}};
		expect(pieces('/deploy\r', detail, (piece) => (piece === '/' ? typing : detail))).toEqual([
			['/', true, false],
			['deploy\r', false, false],
		]);
	});

	test('given a carriage return among other keys, it is Enter, but marked as having come together', () => {
		expect(pieces('x\r', {kind: 'normal'})).toEqual([
			['x', true, false],
			['\r', true, true],
		]);
	});

	test('a single key, an arrow or a question being typed pass as they came', () => {
		expect(pieces('j', {kind: 'normal'})).toEqual([['j', false, false]]);
		expect(pieces('rollback reason', {kind: 'prompt', purpose: 'note', text: ''})).toEqual([['rollback reason', false, false]]);
	});
});
