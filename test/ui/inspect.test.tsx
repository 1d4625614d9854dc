import {appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {afterAll, afterEach, describe, expect, test, vi} from 'vitest';
import {sessionLogs} from '../../source/adapters/log-view.js';
import type {EventInput} from '../../source/engine/events.js';
import {reduce} from '../../source/engine/reduce.js';
import {initialState} from '../../source/engine/state.js';
import {Runbook} from '../../source/runbook/schema.js';
import {Checklist} from '../../source/ui/Checklist.js';
import {
	createTestStore,
	failingGate,
	fold,
	keys,
	lineCount,
	recorder,
	renderAt,
	showChecklist,
	stamp,
	START,
	started,
	stripAnsi,
	type ShowOptions,
} from './checklist-harness.js';

// Colour is decided when Ink's colour library loads: forced here, so reverse video can be seen in a frame.
vi.hoisted(() => {
	process.env.FORCE_COLOR = '1';
});

const root = mkdtempSync(path.join(os.tmpdir(), 'gl-inspect-'));
afterAll(() => rmSync(root, {recursive: true, force: true}));

const mounted: Array<() => void> = [];
afterEach(() => {
	for (const unmount of mounted.splice(0)) unmount();
});

const arrow = {up: '\u001B[A', down: '\u001B[B', right: '\u001B[C', left: '\u001B[D', pageUp: '\u001B[5~'};

/** A session's logs folder with the given step logs written into it. */
const logsWith = (files: Record<string, string[]>) => {
	const dir = mkdtempSync(path.join(root, 'session-'));
	const logs = path.join(dir, 'logs');
	mkdirSync(logs);
	for (const [name, lines] of Object.entries(files)) writeFileSync(path.join(logs, `${name}.log`), `${lines.map((line) => `${line}\n`).join('')}`);
	return {dir: logs, logs: sessionLogs(logs)};
};

const show = (events: EventInput[], options: ShowOptions = {}) => {
	const ui = showChecklist(events, {...options, ...(options.role === 'pair' ? {operator: 'bob'} : {})});
	mounted.push(ui.unmount);
	return ui;
};

/** Waits for the screen to show `pattern` (the log is read in an effect, after the first frame). */
const frameWith = async (ui: {lastFrame(): string}, pattern: RegExp | string, timeoutMs = 3000): Promise<string> => {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const frame = stripAnsi(ui.lastFrame());
		if (typeof pattern === 'string' ? frame.includes(pattern) : pattern.test(frame)) return frame;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(pattern)}; the frame is:\n${frame}`);
		await delay(20);
	}
};

const blueMachines = '3d8d0000001ef0,3d8d0000003dde,3d8d0000005ccc,3d8d0000007bbc';

/** The first check captured blue's image and machines; the manual step still waits: Enter is blocked. */
const captured: EventInput[] = [
	...started,
	{type: 'step-started', phase: 'prep', step: 'ci', attempt: 1, argv: ['fly', 'releases', '--app', 'lokaltreu-api', '--json', '--image']},
	{type: 'step-output', phase: 'prep', step: 'ci', lines: ['$ fly releases --app lokaltreu-api --json --image', '[{"ImageRef": "registry.fly.io/lokaltreu-api:2.3.1"}]']},
	{
		type: 'step-finished',
		phase: 'prep',
		step: 'ci',
		status: 'passed',
		exitCode: 0,
		durationMs: 415,
		reason: 'exit code 0; captured blueImage, blueMachines',
		captured: {blueImage: 'registry.fly.io/lokaltreu-api:2.3.1', blueMachines},
	},
];

const ciLog = ['$ fly releases --app lokaltreu-api --json --image', '[', '  {"ImageRef": "registry.fly.io/lokaltreu-api:2.3.1"},', '  {"ImageRef": "registry.fly.io/lokaltreu-api:2.3.0"}', ']'];

describe('captured values in the row', () => {
	test('given a finished step that captured values, a dim line under its row names them, cut to fit 80 columns', async () => {
		const ui = show(captured, {size: {columns: 80, rows: 24}});
		await delay(20);
		const frame = stripAnsi(ui.lastFrame());
		const line = frame.split('\n').find((text) => text.includes('→ blueImage'));
		expect(line).toMatch(/^ {6}→ blueImage registry\.fly\.io\/lokaltreu-api:2\.3\.1 · blueMachines \(4\) 3d8d0+…$/);
		expect(line!.length).toBeLessThanOrEqual(80);
		expect(line).toContain('…');
	});

	test('given a secret variable was captured, the row says «redacted», never the value', async () => {
		const events: EventInput[] = [
			{...started[0]!, secretVariables: ['apiToken']} as EventInput,
			{type: 'step-started', phase: 'prep', step: 'ci', attempt: 1},
			{type: 'step-finished', phase: 'prep', step: 'ci', status: 'passed', exitCode: 0, durationMs: 5, captured: {apiToken: 'fo1_not-to-be-seen'}},
		];
		const ui = show(events);
		await delay(20);
		expect(ui.lastFrame()).toContain('→ apiToken «redacted»');
		expect(ui.lastFrame()).not.toContain('fo1_not-to-be-seen');
	});
});

describe('the cursor on screen', () => {
	test('given ↑ moves the cursor to a finished phase, that phase opens with the cursor on its step, and Esc folds it again', async () => {
		const ui = show([...captured, {type: 'step-ticked', phase: 'prep', step: 'oncall', operator: 'alice'}, {type: 'phase-confirmed', phase: 'prep', operator: 'alice'}, {type: 'step-started', phase: 'smoke', step: 'deploy', attempt: 1}]);
		await delay(20);
		expect(stripAnsi(ui.lastFrame())).not.toContain('CI-Gates grün');
		await ui.press(arrow.up, arrow.up);
		let frame = stripAnsi(ui.lastFrame());
		expect(frame).toMatch(/^› ✓ passed\s+On-Call-Team informiert/m);
		expect(frame).toMatch(/^ {2}✓ passed\s+CI-Gates grün/m);
		expect(frame).toMatch(/^ {2}▶ Smoke-Tests & Health-Checks/m);
		await ui.press(arrow.up);
		expect(stripAnsi(ui.lastFrame())).toMatch(/^› ✓ passed\s+CI-Gates grün/m);
		await ui.press(keys.escape);
		frame = stripAnsi(ui.lastFrame());
		expect(frame).not.toContain('›');
		expect(frame).not.toContain('CI-Gates grün');
	});

	test('given any size from 8 to 40 rows, the checklist with a moved cursor is never taller than the terminal and shows the cursor', async () => {
		const later: EventInput[] = [
			...failingGate,
			{type: 'step-output', phase: 'smoke', step: 'observe', lines: Array.from({length: 80}, (_, i) => `line ${i}`)},
		];
		for (const rows of [8, 12, 16, 20, 24, 30, 40]) {
			const ui = show(later, {size: {columns: 70, rows}});
			await delay(5);
			// Up through the smoke phase into the confirmed preparation phase.
			await ui.press(arrow.up, arrow.up, arrow.up, arrow.up);
			const frame = stripAnsi(ui.lastFrame());
			expect(lineCount(ui.lastFrame()), `${rows} rows`).toBeLessThan(rows);
			expect(frame, `${rows} rows`).toMatch(/^› ✓ passed\s+CI-Gates grün/m);
			ui.unmount();
		}
	});

	test('given colour, the row under the cursor is drawn in reverse video', async () => {
		const ui = show(captured, {colour: true});
		await delay(20);
		await ui.press('k');
		expect(ui.lastFrame()).toMatch(/\u001B\[7m(\u001B\[\d+m)?› ✓ passed {6}CI-Gates grün/);
	});

	test('given the cursor on a finished step, Space and Enter still act on the current phase', async () => {
		const ui = show(captured);
		await delay(20);
		await ui.press(arrow.up, ' ');
		expect(ui.sent).toEqual([{type: 'tick'}]);
		ui.set(fold([...captured, {type: 'step-ticked', phase: 'prep', step: 'oncall', operator: 'alice'}]));
		await delay(20);
		await ui.press(keys.enter);
		expect(ui.sent).toEqual([{type: 'tick'}, {type: 'confirm', phase: 'prep'}]);
	});
});

describe('the detail view', () => {
	test('given → on a finished command step, it shows the command as run, the result, the captures, the expectations and the log', async () => {
		const {logs} = logsWith({'prep.ci': ciLog});
		const ui = show(captured, {logs, size: {columns: 100, rows: 30}});
		await delay(20);
		await ui.press(arrow.up, arrow.right);
		const frame = await frameWith(ui, '── log logs/prep.ci.log · lines 1–5 of 5 · following');
		expect(frame).toContain('✓ passed  CI-Gates grün');
		expect(frame).toContain('phase    Voraussetzungen · command step · target rehearsal');
		expect(frame).toContain('run      fly releases --app lokaltreu-api --json --image');
		expect(frame).toContain('result   ✓ passed · exit code 0 · 415 ms');
		expect(frame).toContain('captured blueImage = registry.fly.io/lokaltreu-api:2.3.1');
		expect(frame).toContain(`captured blueMachines = ${blueMachines}`);
		expect(frame).toContain('expect   ✓ exit code 0');
		expect(frame).toMatch(/^1 {2}\$ fly releases --app lokaltreu-api --json --image$/m);
		// The status line still says what Enter does, and the keys of this view are listed.
		expect(frame).toContain('Enter blocked: not ticked yet (Space): "On-Call-Team informiert"');
		expect(frame).toContain('↑↓ line · PgUp/PgDn page · g/G top/end · / search · n/N match · → full log · Esc back · ? help');
		await ui.press(keys.escape);
		expect(stripAnsi(ui.lastFrame())).toMatch(/^› ✓ passed\s+CI-Gates grün/m);
	});

	test('given a search for a word in the first line, the log moves there and marks it; with colour the word is in reverse video', async () => {
		const lines = Array.from({length: 200}, (_, index) => (index === 0 ? '$ greenlight contract --openapi api.yaml' : `request ${index} ok`));
		lines[150] = 'contract: 12 operations checked';
		const {logs} = logsWith({'prep.ci': lines});
		const ui = show(captured, {logs, colour: true});
		await delay(20);
		await ui.press(arrow.up, arrow.right);
		await frameWith(ui, /lines \d+–200 of 200 · following/);
		await ui.press('/', 'CONTRACT');
		expect(stripAnsi(ui.lastFrame())).toContain('/CONTRACT▌   Enter search · Esc cancel');
		await ui.press(keys.enter);
		let frame = await frameWith(ui, '/CONTRACT: line 1');
		expect(frame).toMatch(/^ {2}1▶ \$ greenlight contract --openapi api\.yaml/m);
		expect(frame).toContain('Search went on from the top of the log');
		expect(ui.lastFrame()).toMatch(/\u001B\[7mcontract\u001B\[27m --openapi/);
		await ui.press('n');
		frame = await frameWith(ui, '/CONTRACT: line 151');
		expect(frame).toMatch(/^151▶ contract: 12 operations checked/m);
		await ui.press('N');
		await frameWith(ui, '/CONTRACT: line 1');
		await ui.press('/', 'no such words', keys.enter);
		await frameWith(ui, 'Not found in the log: "no such words"');
	});

	test('given the full log (→ again), it takes the whole screen below the title; PgUp and g scroll, Esc returns to the detail', async () => {
		const {logs} = logsWith({'prep.ci': Array.from({length: 500}, (_, index) => `deploy line ${index + 1}`)});
		const ui = show(captured, {logs, size: {columns: 80, rows: 24}});
		await delay(20);
		await ui.press(arrow.up, arrow.right, arrow.right);
		let frame = await frameWith(ui, 'lines 484–500 of 500 · following');
		expect(frame).not.toContain('captured blueImage');
		expect(lineCount(ui.lastFrame())).toBeLessThan(24);
		await ui.press(arrow.pageUp);
		frame = await frameWith(ui, 'lines 468–484 of 500');
		expect(frame).not.toContain('following');
		await ui.press('g');
		await frameWith(ui, /^ {2}1  deploy line 1$/m);
		await ui.press(keys.escape);
		await frameWith(ui, 'captured blueImage');
	});

	test('given the step is running, its log follows new lines as they are written', async () => {
		const running: EventInput[] = [...started, {type: 'step-started', phase: 'prep', step: 'ci', attempt: 1, argv: ['fly', 'deploy']}];
		const {dir, logs} = logsWith({'prep.ci': ['$ fly deploy', 'pulling image']});
		const ui = show(running, {logs});
		await delay(20);
		await ui.press(arrow.right);
		await frameWith(ui, 'lines 1–2 of 2 · following');
		appendFileSync(path.join(dir, 'prep.ci.log'), 'machine 3d8d0000001ef0 started\n');
		const frame = await frameWith(ui, 'lines 1–3 of 3 · following');
		expect(frame).toMatch(/^3 {2}machine 3d8d0000001ef0 started$/m);
		expect(frame).toContain('result   ◌ running for 59s');
	});

	test('given a log line with terminal escape sequences, they are shown as \\x1b, never sent to the terminal', async () => {
		const {logs} = logsWith({'prep.ci': ['\u001B[31mred\u001B[0m and a title change \u001B]0;owned\u0007 and a tab:\tend']});
		const ui = show(captured, {logs, colour: false});
		await delay(20);
		await ui.press(arrow.up, arrow.right);
		const frame = await frameWith(ui, 'lines 1–1 of 1');
		expect(frame).toMatch(/^1 {2}\\x1b\[31mred\\x1b\[0m and a title change \\x1b\]0;owned\\x07 and a tab: +end$/m);
		expect(ui.lastFrame()).not.toContain('\u001B');
	});

	test('given a failed watch, each gate’s whole history is there: the failing gate’s chart first, every sample counted', async () => {
		const ui = show(failingGate, {size: {columns: 100, rows: 40}});
		await delay(20);
		await ui.press(arrow.right);
		const frame = await frameWith(ui, 'watch    5m');
		expect(frame).toContain('✗ failed  p50/p95/p99, Fehler-Rate beobachten');
		expect(frame).toContain('result   ✗ failed · 5m00s');
		expect(frame).toContain('gate p95: p95 412 ms > 300 ms');
		expect(frame).toContain('✗ fail p95 412 ms > 300 ms');
		expect(frame).toContain('limit ≤ 300 ms');
		// Side by side with the first chart: the failing gate's title.
		const firstChartLine = frame.split('\n').find((line) => /[┤┼]/.test(line));
		expect(firstChartLine).toContain('p95 Latenz');
		expect(frame).toContain('── log');
	});

	test('given a traffic step, the command shows {{weight}} with its weights and each weight’s verdict', async () => {
		const events: EventInput[] = [
			...failingGate,
			{type: 'override-given', phase: 'smoke', step: 'observe', reason: 'known', operator: 'alice'},
			{type: 'step-ticked', phase: 'smoke', step: 'after', operator: 'alice'},
			{type: 'phase-confirmed', phase: 'smoke', operator: 'alice'},
			{type: 'step-started', phase: 'switch', step: 'shift', attempt: 1, argv: ['shift', '{{weight}}']},
			{type: 'traffic-shifted', phase: 'switch', step: 'shift', weight: 10},
			{type: 'gate-sampled', phase: 'switch', step: 'shift', gate: 0, metric: 'p95', colour: 'green', value: 48, verdict: 'pass', threshold: '≤ 300 ms', weight: 10},
			{type: 'traffic-shifted', phase: 'switch', step: 'shift', weight: 50},
			{type: 'gate-sampled', phase: 'switch', step: 'shift', gate: 0, metric: 'p95', colour: 'green', value: 490, verdict: 'fail', threshold: '≤ 300 ms', reason: 'p95 490 ms > 300 ms', weight: 50},
		];
		const ui = show(events, {size: {columns: 100, rows: 30}});
		await delay(20);
		await ui.press(arrow.right);
		const frame = await frameWith(ui, 'run      shift {{weight}}  (each of 10/50/100%)');
		expect(frame).toContain('weights  10% → 50% → 100% on green, each baked 2m');
		expect(frame).toContain('10% ✓ 48 ms (1) · 50% ✗ 490 ms (1, 1 failed) · 100% …');
	});

	test('given a rollback step not run yet, it shows what it will run with blue’s captured image and machines, wrapped to the width', async () => {
		const rollbackRunbook = Runbook.parse({
			title: 'Rollback probe',
			phases: [
				{
					id: 'prep',
					title: 'Vorbereitung',
					steps: [{id: 'blue', title: 'Blue festhalten', kind: 'command', run: ['true'], capture: {blueImage: {regex: '(.*)'}, blueMachines: {regex: '(.*)'}}}],
				},
			],
			rollback: {
				title: 'Rollback',
				steps: [
					{
						id: 'back',
						title: 'Switch zurück auf Blue',
						kind: 'command',
						run: ['greenlight', 'shift', '--app', 'lokaltreu-api', '--green-app', 'lokaltreu-api-green', '--weight', '0', '--blue-machines', '{{blueMachines}}', '--image', '{{blueImage}}'],
					},
				],
			},
		});
		const events = stamp([
			...started,
			{type: 'step-started', phase: 'prep', step: 'blue', attempt: 1, argv: ['true']},
			{type: 'step-finished', phase: 'prep', step: 'blue', status: 'passed', exitCode: 0, durationMs: 5, captured: {blueImage: 'registry.fly.io/lokaltreu-api:2.3.1', blueMachines}},
		]);
		const testStore = createTestStore(events.reduce(reduce, initialState(rollbackRunbook)), events);
		const {sent, send} = recorder();
		const ui = renderAt(<Checklist store={testStore.store} send={send} role="driver" operator="alice" colour={false} clock={() => START + 60_000} />, {columns: 80, rows: 24});
		mounted.push(ui.unmount);
		await delay(20);
		await ui.press(arrow.down, arrow.down, arrow.down, arrow.right);
		const frame = await frameWith(ui, 'Switch zurück auf Blue');
		const command = frame.split('\n').filter((line) => /^(will run | {9})\S/.test(line)).join('\n');
		expect(command).toContain('will run greenlight shift --app lokaltreu-api --green-app lokaltreu-api-green');
		// Every character of the command is on screen, over as many lines as it needs.
		expect(command.replaceAll(/\s+/g, '')).toContain(`--blue-machines${blueMachines}--imageregistry.fly.io/lokaltreu-api:2.3.1`);
		for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
		expect(sent).toEqual([]);
	});

	test('given any size from 8 to 40 rows, neither the detail nor the full log is taller than the terminal', async () => {
		const {logs} = logsWith({'smoke.observe': Array.from({length: 300}, (_, index) => `sample ${index}`)});
		for (const rows of [8, 12, 16, 20, 24, 30, 40]) {
			for (const open of [[arrow.right], [arrow.right, arrow.right]]) {
				const ui = show(failingGate, {size: {columns: 70, rows}, logs});
				await delay(5);
				await ui.press(...open);
				await frameWith(ui, /── log|sample/);
				expect(lineCount(ui.lastFrame()), `${rows} rows`).toBeLessThan(rows);
				for (const line of stripAnsi(ui.lastFrame()).split('\n')) expect(line.length).toBeLessThanOrEqual(70);
				ui.unmount();
			}
		}
	});

	test('when the terminal shrinks while the detail is open, the view follows and stays within the rows', async () => {
		const {logs} = logsWith({'prep.ci': ciLog});
		const ui = show(captured, {logs, size: {columns: 120, rows: 40}});
		await delay(20);
		await ui.press(arrow.up, arrow.right);
		await frameWith(ui, 'lines 1–5 of 5');
		ui.terminal.resize(80, 16);
		await delay(30);
		expect(lineCount(ui.lastFrame())).toBeLessThan(16);
		expect(stripAnsi(ui.lastFrame())).toContain('run      fly releases');
	});

	test('? from the detail lists the inspect keys, and Esc comes back to the detail', async () => {
		const ui = show(captured);
		await delay(20);
		await ui.press(arrow.right, '?');
		const frame = stripAnsi(ui.lastFrame());
		for (const key of ['↑ ↓ j k', '→ l', '← h Esc', '/ n N']) expect(frame).toContain(`  ${key}`);
		await ui.press(keys.escape);
		expect(stripAnsi(ui.lastFrame())).toContain('phase    Voraussetzungen');
	});
});

describe('keys that arrive together', () => {
	test('given a paste of text ending in a newline on the checklist, nothing is ticked or confirmed and the footer says why', async () => {
		const ui = show([...captured, {type: 'step-ticked', phase: 'prep', step: 'oncall', operator: 'alice'}]);
		await delay(20);
		await ui.press('x \r');
		expect(ui.sent).toEqual([]);
		expect(stripAnsi(ui.lastFrame())).toContain('» Several keys arrived at once (a paste?)');
		await ui.press(keys.enter);
		expect(ui.sent).toEqual([{type: 'confirm', phase: 'prep'}]);
	});

	test('given "g/" arriving as one piece in the detail view, the log goes to the top and the search line opens', async () => {
		const {logs} = logsWith({'prep.ci': Array.from({length: 100}, (_, index) => `line ${index + 1}`)});
		const ui = show(captured, {logs});
		await delay(20);
		await ui.press(arrow.up, arrow.right);
		await frameWith(ui, 'of 100 · following');
		await ui.press('g/');
		const frame = await frameWith(ui, /^\/▌ {3}Enter search · Esc cancel/m);
		expect(frame).toMatch(/^ {2}1 {2}line 1$/m);
	});
});

describe('the pair view', () => {
	test('given the pair, the cursor and the detail work the same, and nothing is sent', async () => {
		const {logs} = logsWith({'prep.ci': ciLog});
		const ui = show(captured, {role: 'pair', logs});
		await delay(20);
		expect(stripAnsi(ui.lastFrame())).toContain('Enter confirm (second) · n note · ↑↓ move · → open · ? help · q leave');
		await ui.press(arrow.up, arrow.right);
		const frame = await frameWith(ui, 'lines 1–5 of 5');
		expect(frame).toContain('captured blueImage = registry.fly.io/lokaltreu-api:2.3.1');
		await ui.press('/', 'image', keys.enter, 'n', 'G', keys.escape, ' ', 't');
		expect(ui.sent).toEqual([]);
	});
});
