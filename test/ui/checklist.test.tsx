import {setTimeout as delay} from 'node:timers/promises';
import asciichart from 'asciichart';
import {afterEach, describe, expect, test} from 'vitest';
import type {EventInput} from '../../source/engine/events.js';
import {Checklist} from '../../source/ui/Checklist.js';
import {
	createTestStore,
	failingGate,
	failingSecondGate,
	fold,
	keys,
	lineCount,
	prepDone,
	renderAt,
	showChecklist,
	START,
	started,
	stripAnsi,
} from './checklist-harness.js';

const mounted: Array<() => void> = [];
afterEach(() => {
	for (const unmount of mounted.splice(0)) unmount();
});

const show = (...args: Parameters<typeof showChecklist>) => {
	const ui = showChecklist(...args);
	mounted.push(ui.unmount);
	return ui;
};

const settle = () => delay(20);

/** Every step of the prep phase passed and the manual step was ticked: nothing blocks Enter. */
const prepReady: EventInput[] = [
	...started,
	{type: 'step-started', phase: 'prep', step: 'ci', attempt: 1},
	{type: 'step-finished', phase: 'prep', step: 'ci', status: 'passed', exitCode: 0, durationMs: 1200},
	{type: 'step-ticked', phase: 'prep', step: 'oncall', operator: 'alice'},
];

describe('the checklist screen', () => {
	test('given a started run, the current phase lists its steps with icon and word, other phases one line each', async () => {
		const ui = show([
			...started,
			{type: 'step-started', phase: 'prep', step: 'ci', attempt: 1},
			{type: 'step-output', phase: 'prep', step: 'ci', lines: ['checking CI gates', 'all green so far']},
		]);
		await settle();
		const frame = ui.lastFrame();
		expect(frame).toContain('Blue-Green Rollout (Probe)');
		expect(frame).toContain('target rehearsal · session s-0001 · operators alice');
		expect(frame).toMatch(/running\s+CI-Gates grün/);
		expect(frame).toMatch(/○ pending\s+On-Call-Team informiert {2}— Space to tick/);
		expect(frame).toContain('○ Smoke-Tests & Health-Checks');
		expect(frame).toContain('log: CI-Gates grün (last 2 of 2 lines)');
		expect(frame).toContain('all green so far');
		expect(frame).toContain('Enter blocked: still running: "CI-Gates grün"');
	});

	test('given a failed step, later automated steps show as blocked and the reason is shown', async () => {
		const ui = show([
			...prepDone.slice(0, -3),
			{type: 'phase-confirmed', phase: 'prep', operator: 'alice'},
			{type: 'step-started', phase: 'smoke', step: 'deploy', attempt: 1},
			{type: 'step-finished', phase: 'smoke', step: 'deploy', status: 'failed', exitCode: 1, durationMs: 900, reason: 'exit code 1, expected 0'},
		]);
		await settle();
		const frame = ui.lastFrame();
		expect(frame).toMatch(/✗ failed\s+Green deployen/);
		expect(frame).toContain('exit code 1, expected 0');
		expect(frame).toMatch(/⊘ blocked\s+p50\/p95\/p99/);
		expect(frame).toContain('✓ Voraussetzungen  confirmed by alice');
	});
});

describe('gating', () => {
	test('given a failing gate, when Enter is pressed, no confirm is sent and the footer names the gate, value and threshold', async () => {
		const ui = show(failingGate);
		await settle();
		await ui.press(keys.enter);
		expect(ui.sent).toEqual([]);
		expect(ui.lastFrame()).toContain('Enter blocked: gate p95 failed: p95 412 ms > 300 ms (threshold ≤ 300 ms)');
	});

	test('given every check of the phase passed, when Enter is pressed, confirm is sent', async () => {
		const ui = show(prepReady);
		await settle();
		expect(ui.lastFrame()).toContain('Enter: confirm Voraussetzungen');
		await ui.press(keys.enter);
		expect(ui.sent).toEqual([{type: 'confirm', phase: 'prep'}]);
	});

	test('given a manual step waiting, when Space is pressed, tick is sent', async () => {
		const ui = show([
			...started,
			{type: 'step-started', phase: 'prep', step: 'ci', attempt: 1},
			{type: 'step-finished', phase: 'prep', step: 'ci', status: 'passed', exitCode: 0, durationMs: 1200},
		]);
		await settle();
		await ui.press(' ');
		expect(ui.sent).toEqual([{type: 'tick'}]);
	});

	test('given a failing step, o asks for a reason, refuses an empty one and sends override with the typed text', async () => {
		const ui = show(failingGate);
		await settle();
		await ui.press('o');
		expect(ui.lastFrame()).toContain('Type a reason (required)');
		await ui.press(keys.enter);
		expect(ui.sent).toEqual([]);
		expect(ui.lastFrame()).toContain('An override needs a reason');
		await ui.press('cache warm-up, known', keys.backspace, 'n');
		expect(ui.lastFrame()).toContain('> cache warm-up, known▌');
		await ui.press(keys.enter);
		expect(ui.sent).toEqual([{type: 'override', reason: 'cache warm-up, known'}]);
	});

	test('given production was not changed yet, r is refused and no rollback is sent', async () => {
		const ui = show(prepReady);
		await settle();
		await ui.press('r');
		expect(ui.lastFrame()).toContain('Rollback is offered once a step that changes production has started');
		expect(ui.lastFrame()).not.toContain('Roll back to blue?');
		await ui.press('x', keys.enter);
		expect(ui.sent).toEqual([{type: 'confirm', phase: 'prep'}]);
	});

	test('given green took traffic, r asks for a reason and Enter sends rollback; Esc would cancel', async () => {
		const ui = show(failingGate);
		await settle();
		await ui.press('r');
		expect(ui.lastFrame()).toContain('Roll back to blue? Type a reason, Enter to confirm, Esc to cancel');
		await ui.press(keys.escape);
		expect(ui.lastFrame()).not.toContain('Roll back to blue?');
		await ui.press('r', 'p95 regression', keys.enter);
		expect(ui.sent).toEqual([{type: 'rollback', reason: 'p95 regression'}]);
	});

	test('given the driver refuses an intent, the footer says why', async () => {
		const testStore = createTestStore(
			fold([
				...prepDone.slice(0, -2),
				{type: 'step-finished', phase: 'smoke', step: 'deploy', status: 'unknown', durationMs: 0, reason: 'greenlight stopped while this step ran'},
			]),
		);
		const ui = renderAt(
			<Checklist
				store={testStore.store}
				send={() => ({ok: false, reason: 'captures greenImage: re-run it, or mark it done with --var greenImage=…'})}
				role="driver"
				operator="alice"
				colour={false}
				clock={() => START + 60_000}
			/>,
			{columns: 100, rows: 30},
		);
		mounted.push(ui.unmount);
		await settle();
		await ui.press('D');
		expect(ui.lastFrame()).toContain('» captures greenImage: re-run it, or mark it done with --var greenImage=…');
	});

	test('given a failed step, t sends retry; n sends a note', async () => {
		const ui = show(failingGate);
		await settle();
		await ui.press('t', 'n', 'db looks fine', keys.enter);
		expect(ui.sent).toEqual([{type: 'retry'}, {type: 'note', text: 'db looks fine'}]);
	});

	test('given a step whose outcome is unknown, the row offers R/D/F and D sends the decision', async () => {
		const ui = show([
			...prepDone.slice(0, -2),
			{type: 'step-finished', phase: 'smoke', step: 'deploy', status: 'unknown', durationMs: 0, reason: 'greenlight stopped while this step ran'},
		]);
		await settle();
		expect(ui.lastFrame()).toContain('outcome unknown — R re-run · D mark done · F mark failed');
		await ui.press('D');
		expect(ui.sent).toEqual([{type: 'decide', decision: 'done'}]);
	});

	test('q asks first; y sends quit', async () => {
		const ui = show(prepReady);
		await settle();
		await ui.press('q');
		expect(ui.lastFrame()).toContain('Quit? The session can be resumed; the command is printed on exit. (y/n)');
		await ui.press('n');
		expect(ui.sent).toEqual([]);
		await ui.press('q', 'y');
		expect(ui.sent).toEqual([{type: 'quit'}]);
	});

	test('? shows the help with every key and what it does', async () => {
		const ui = show(prepReady);
		await settle();
		await ui.press('?');
		const frame = ui.lastFrame();
		for (const key of ['Enter', 'Space', 't ', 'r ', 'o ', 'n ', 'q ']) expect(frame).toContain(`  ${key}`);
		expect(frame).toContain('break-glass override');
		await ui.press(keys.escape);
		expect(ui.lastFrame()).toContain('CI-Gates grün');
	});
});

describe('the pair view', () => {
	const pairPhase: EventInput[] = [
		...failingGate,
		{type: 'override-given', phase: 'smoke', step: 'observe', reason: 'known', operator: 'alice'},
		{type: 'step-ticked', phase: 'smoke', step: 'after', operator: 'alice'},
		{type: 'phase-confirmed', phase: 'smoke', operator: 'alice'},
		{type: 'step-started', phase: 'switch', step: 'shift', attempt: 1},
		{type: 'traffic-shifted', phase: 'switch', step: 'shift', weight: 100},
		{type: 'step-finished', phase: 'switch', step: 'shift', status: 'passed', durationMs: 360_000},
		{type: 'phase-confirmed', phase: 'switch', operator: 'alice'},
	];

	test('given the first confirmation came from alice, alice is told a second operator is needed', async () => {
		const ui = show(pairPhase);
		await settle();
		expect(ui.lastFrame()).toContain('four eyes: confirmed by alice, needs a second operator');
		await ui.press(keys.enter);
		expect(ui.sent).toEqual([]);
	});

	test('given the pair, Enter gives the second confirmation and other keys send nothing', async () => {
		const ui = show(pairPhase, {role: 'pair', operator: 'bob'});
		await settle();
		expect(ui.lastFrame()).toContain('Enter: second confirmation of Traffic-Switch (Canary → Full) (first: alice)');
		await ui.press(' ', 't', 'r', 'o', keys.enter);
		expect(ui.sent).toEqual([{type: 'confirm', phase: 'switch'}]);
	});

	test('given the driver still has a step to tick, the pair reads what is missing without the driver’s keys', async () => {
		const ui = show(prepReady.filter((event) => event.type !== 'step-ticked'), {role: 'pair', operator: 'bob'});
		await settle();
		expect(ui.lastFrame()).toContain('Not ready: not ticked yet: "On-Call-Team informiert"');
		expect(ui.lastFrame()).not.toContain('(Space)');
		expect(ui.lastFrame()).not.toContain('Space to tick');
	});

	test('given a four-eyes phase the driver has not confirmed yet, the pair’s Enter waits for the driver', async () => {
		const ui = show(pairPhase.slice(0, -1), {role: 'pair', operator: 'bob'});
		await settle();
		await ui.press(keys.enter);
		expect(ui.sent).toEqual([]);
		expect(ui.lastFrame()).toContain('The driver confirms "Traffic-Switch (Canary → Full)" first');
	});

	test('given a phase the driver confirms alone, the pair’s Enter is refused on screen and sends nothing', async () => {
		const ui = show(prepReady, {role: 'pair', operator: 'bob'});
		await settle();
		await ui.press(keys.enter);
		expect(ui.sent).toEqual([]);
		expect(ui.lastFrame()).toContain('a pair confirms four-eyes phases only');
	});

	test('given the pair, q then y leaves the view without an intent', async () => {
		const ui = show(pairPhase, {role: 'pair', operator: 'bob'});
		await settle();
		await ui.press('q', 'y');
		await ui.waitUntilExit();
		expect(ui.sent).toEqual([]);
	});
});

describe('charts and layout', () => {
	for (const size of [
		{columns: 100, rows: 30},
		{columns: 80, rows: 24},
	]) {
		test(`at ${size.columns}×${size.rows} a failed watch shows a chart per gate with both series, the threshold and the value, within the rows`, async () => {
			const ui = show(failingGate, {size, colour: true});
			await settle();
			const frame = ui.lastFrame();
			// The series are told apart by colour: green, blue and the red threshold line.
			for (const colour of [asciichart.green, asciichart.blue, asciichart.red]) {
				expect(frame).toMatch(new RegExp(`${colour.replace('[', '\\[')}[┼─╭╮╯╰│]`));
			}
			const text = stripAnsi(frame);
			expect(text).toContain('┤');
			expect(text).toContain('p95 Latenz');
			expect(text).toContain('✗ fail p95 412 ms > 300 ms');
			expect(text).toContain('green 412 ms');
			expect(text).toContain('blue  190 ms');
			expect(text).toContain('limit ≤ 300 ms');
			expect(text).toContain('Fehler-Rate');
			expect(lineCount(frame)).toBeLessThan(size.rows);
			for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(size.columns);
		});
	}

	test('given the second gate failed, its chart comes first, where a short terminal still has room for it', async () => {
		const ui = show(failingSecondGate, {size: {columns: 80, rows: 24}});
		await settle();
		const text = stripAnsi(ui.lastFrame());
		const chartTitle = text.split('\n').find((line) => line.includes('┼') || line.includes('┤'));
		expect(chartTitle).toContain('Fehler-Rate');
		expect(text.indexOf('Fehler-Rate')).toBeLessThan(text.indexOf('p95 Latenz'));
		// The step's own evidence line names the failing gate, not the first one.
		expect(text).toMatch(/errors [▁-█]+ ✗ fail errors 9\.1 % > 1 %/);
	});

	test('below 20 rows the charts give way to one verdict line per gate', async () => {
		const ui = show(failingGate, {size: {columns: 80, rows: 16}, colour: true});
		await settle();
		const text = stripAnsi(ui.lastFrame());
		expect(text).not.toContain('┤');
		expect(text).toContain('p95 Latenz: ✗ fail p95 412 ms > 300 ms · blue  190 ms');
		expect(lineCount(ui.lastFrame())).toBeLessThan(16);
	});

	test('given NO_COLOR, the frame has no escape sequence at all', async () => {
		const ui = show(failingGate, {colour: false});
		await settle();
		expect(ui.lastFrame()).toContain('p95 Latenz');
		expect(ui.lastFrame()).not.toContain('\u001B');
	});

	test('when the terminal shrinks, the frame follows and stays within the rows', async () => {
		const ui = show(failingGate, {size: {columns: 100, rows: 30}});
		await settle();
		expect(lineCount(ui.lastFrame())).toBeGreaterThan(23);
		ui.terminal.resize(80, 18);
		await settle();
		expect(lineCount(ui.lastFrame())).toBeLessThan(18);
		for (const line of ui.lastFrame().split('\n')) expect(line.length).toBeLessThanOrEqual(80);
	});

	test('given any size from 8 to 40 rows, no frame is taller than the terminal', async () => {
		const long: EventInput[] = [
			...failingGate,
			{type: 'step-output', phase: 'smoke', step: 'observe', lines: Array.from({length: 80}, (_, i) => `line ${i}`)},
		];
		for (const events of [started, prepDone, long]) {
			for (const rows of [8, 12, 16, 20, 24, 30, 40]) {
				const ui = show(events, {size: {columns: 70, rows}});
				await delay(5);
				expect(lineCount(ui.lastFrame()), `${rows} rows`).toBeLessThan(rows);
				ui.unmount();
			}
		}
	});
});

describe('the outcome', () => {
	test('given the run finished, the screen shows the outcome and a summary line, then the view exits by itself', async () => {
		const ui = show(prepReady);
		await settle();
		ui.set(
			fold([
				...failingGate,
				{type: 'override-given', phase: 'smoke', step: 'observe', reason: 'known', operator: 'alice'},
				{type: 'run-finished', outcome: 'stopped', reason: 'quit by alice'},
			]),
		);
		await ui.waitUntilExit();
		const frame = ui.lastFrame();
		expect(frame).toContain('■ Stopped — the session can be resumed: quit by alice');
		expect(frame).toContain('1/3 phases confirmed · rollback no · break-glass yes');
		expect(frame).not.toContain('Enter');
	});
});

describe('Ctrl-C', () => {
	test('the first Ctrl-C asks the driver to stop; a second leaves the view even if the driver hangs', async () => {
		const ui = show(prepReady);
		await settle();
		await ui.press(keys.ctrlC);
		expect(ui.sent).toEqual([{type: 'quit'}]);
		expect(ui.lastFrame()).toContain('Stopping…');
		await ui.press(keys.ctrlC);
		await ui.waitUntilExit();
		expect(ui.sent).toEqual([{type: 'quit'}]);
	});
});

describe('the keys line', () => {
	test('names every key in full at 110 columns, with = at 100, the arrows bare at 80, and still every key at 60', async () => {
		const wide = show(prepReady, {size: {columns: 110, rows: 24}});
		await settle();
		expect(wide.lastFrame()).toContain('Enter confirm · Space tick · t retry · r rollback · o override · n note · ↑↓ move · → open · ? help · q quit');
		const hundred = show(prepReady, {size: {columns: 100, rows: 24}});
		await settle();
		expect(hundred.lastFrame()).toContain('Enter=confirm Space=tick t=retry r=rollback o=override n=note ↑↓=move →=open ?=help q=quit');
		const eighty = show(prepReady, {size: {columns: 80, rows: 24}});
		await settle();
		expect(eighty.lastFrame()).toContain('Enter=confirm Space=tick t=retry r=rollback o=override n=note ?=help q=quit ↑↓→');
		const narrow = show(prepReady, {size: {columns: 60, rows: 24}});
		await settle();
		expect(narrow.lastFrame()).toContain('keys: Enter Space t r o n ↑↓ → ? q (? explains them)');
	});
	test('given a watch past its planned time waiting for observations, the row says the bake is extended; when it ends without them, the reason and the choices show', async () => {
		const insufficient: EventInput = {
			type: 'gate-sampled',
			phase: 'smoke',
			step: 'observe',
			gate: 0,
			metric: 'p95',
			colour: 'green',
			value: 410,
			verdict: 'unknown',
			threshold: '≤ 300 ms',
			count: 12,
			needed: 50,
			insufficient: true,
			extended: true,
			reason: 'insufficient data: 12 requests in 6 s, need 50',
		};
		const waiting = show([...prepDone, insufficient]);
		await settle();
		expect(waiting.lastFrame()).toContain('bake extended: waiting for evidence');
		expect(waiting.lastFrame()).toContain('… insufficient data: 12 requests in 6 s, need 50');
		expect(waiting.lastFrame()).not.toContain('✗ fail');
		const reason = 'too little evidence: p95 insufficient data: 12 requests in 6 s, need 50';
		const ended = show([...prepDone, insufficient, {type: 'step-finished', phase: 'smoke', step: 'observe', status: 'unknown', durationMs: 9000, reason}]);
		await settle();
		expect(ended.lastFrame()).toContain(reason);
		expect(ended.lastFrame()).toContain('outcome unknown — R re-run · D mark done · F mark failed');
		expect(ended.lastFrame()).not.toContain('bake extended');
	});
});
