import asciichart from 'asciichart';
import {Text} from 'ink';
import {afterEach, describe, expect, test, vi} from 'vitest';
import type {EngineEvent, EventInput} from '../../source/engine/events.js';
import {Checklist} from '../../source/ui/Checklist.js';
import {mergeColourRuns} from '../../source/ui/gate-evidence.js';
import {SPIN_MS} from '../../source/ui/step-lines.js';
import {useClock} from '../../source/ui/use-clock.js';
import {RUN_FRAME_MS, runFrames, STREAM_FRAME_MS} from '../../source/ui/use-run-state.js';
import {createTestStore, fold, prepDone, recorder, renderAt, samples, stamp, START, stripAnsi} from './checklist-harness.js';

// When the checklist draws: a frame only when something on screen changed, the clock once a second,
// the run's samples and output with it, charts plotted once per series.

const mounted: Array<() => void> = [];
afterEach(() => {
	for (const unmount of mounted.splice(0)) unmount();
	vi.useRealTimers();
});

/** Green is being deployed: the check runs. */
const deploying = prepDone.slice(0, prepDone.findIndex((event) => event.type === 'step-started' && event.step === 'deploy') + 1);

/** p95 held at 120 ms for long enough that the chart is full of it. */
const steady: EventInput[] = [...prepDone, ...samples(0, 'p95', Array.from({length: 120}, () => 120), [], 300, 'ms')];

/**
 * Until `count` intervals are set: the clock (and the spinner) start in effects, after the first
 * frame. Fake time stands still meanwhile; the turns of the event loop are real.
 */
const timersSet = async (count: number) => {
	while (vi.getTimerCount() < count) await new Promise((resolve) => setImmediate(resolve));
};

/**
 * Fake time moved on by `ms`, a second at a time, and after each second React drew what the timers
 * asked for (it renders in a later turn of the event loop, which is real).
 */
const advance = async (ms: number) => {
	for (let left = ms; left > 0; left -= 1000) {
		await vi.advanceTimersByTimeAsync(Math.min(1000, left));
		await new Promise((resolve) => setImmediate(resolve));
	}
};

const countingPlot = () => {
	const counter = {plots: 0, plot: ((series, config) => {
		counter.plots += 1;
		return asciichart.plot(series, config);
	}) as typeof asciichart.plot};
	return counter;
};

/** The checklist over a store the test moves; `clock` as given, Date.now by default. */
const checklistOver = (events: EventInput[], options: {clock?: () => number; plot?: typeof asciichart.plot} = {}) => {
	const testStore = createTestStore(fold(events), stamp(events));
	const ui = renderAt(
		<Checklist
			store={testStore.store}
			send={recorder().send}
			role="driver"
			operator="alice"
			colour={false}
			{...(options.clock ? {clock: options.clock} : {})}
			{...(options.plot ? {plot: options.plot} : {})}
		/>,
		{columns: 100, rows: 30},
	);
	mounted.push(ui.unmount);
	return {...ui, ...testStore};
};

describe('frames of the checklist', () => {
	test('given a watch whose chart is full of one value, when a sample of that value arrives, the chart is plotted again but no frame is drawn', async () => {
		const counter = countingPlot();
		const ui = checklistOver(steady, {clock: () => START + 60_000, plot: counter.plot});
		await vi.waitFor(() => expect(ui.lastFrame()).toContain('p95 Latenz'));
		const plotted = counter.plots;
		const frames = ui.terminal.frames.length;

		ui.set(fold([...steady, ...samples(0, 'p95', [120], [], 300, 'ms')]));
		// The new series is plotted (the checklist did look again) and gives the same lines.
		await vi.waitFor(() => expect(counter.plots).toBeGreaterThan(plotted));
		expect(ui.terminal.frames.length).toBe(frames);
	});

	test('given the same watch, when a sample of another value arrives, exactly one frame shows it', async () => {
		const ui = checklistOver(steady, {clock: () => START + 60_000});
		await vi.waitFor(() => expect(ui.lastFrame()).toContain('green 120 ms'));
		const frames = ui.terminal.frames.length;

		ui.set(fold([...steady, ...samples(0, 'p95', [180], [], 300, 'ms')]));
		await vi.waitFor(() => expect(ui.lastFrame()).toContain('green 180 ms'));
		expect(ui.terminal.frames.length).toBe(frames + 1);
	});

	test('given a watch on screen, the clock ticks once a second: one frame each, and no chart is plotted again for it', async () => {
		vi.useFakeTimers({toFake: ['setInterval', 'clearInterval', 'Date']});
		vi.setSystemTime(START + 60_000);
		const counter = countingPlot();
		const ui = checklistOver(steady, {plot: counter.plot});
		// The clock starts in an effect, after the first frame.
		await timersSet(1);
		const plotted = counter.plots;
		const frames = ui.terminal.frames.length;
		const elapsed = (frame: string) => /Probe\) · (\S+)/.exec(stripAnsi(frame))?.[1];
		const before = elapsed(ui.lastFrame());

		await advance(999);
		expect(ui.terminal.frames.length).toBe(frames);
		await advance(1);
		expect(ui.terminal.frames.length).toBe(frames + 1);
		expect(elapsed(ui.lastFrame())).not.toBe(before);
		await advance(4000);
		expect(ui.terminal.frames.length).toBe(frames + 5);
		expect(counter.plots).toBe(plotted);
	});

	test(`given a check that has run for longer than ${SPIN_MS / 1000} s, its sign steps with the clock: no frame between two ticks`, async () => {
		vi.useFakeTimers({toFake: ['setInterval', 'clearInterval', 'Date']});
		vi.setSystemTime(START + 60_000);
		const ui = checklistOver(deploying);
		await timersSet(1);
		expect(ui.lastFrame()).toMatch(/running\s+Green deployen/);
		const frames = ui.terminal.frames.length;
		await advance(1000);
		expect(ui.terminal.frames.length).toBe(frames + 1);
	});

	test('given a watch that has just started, its sign steps with the clock from the start: a watch is a long wait', async () => {
		vi.useFakeTimers({toFake: ['setInterval', 'clearInterval', 'Date']});
		// The watch (observe) started at the last event's stamp: a moment ago.
		vi.setSystemTime(stamp(prepDone).at(-1)!.ts + 100);
		const ui = checklistOver(prepDone);
		await timersSet(1);
		expect(ui.lastFrame()).toMatch(/running\s+p50\/p95\/p99, Fehler-Rate beobachten/);
		const frames = ui.terminal.frames.length;
		await advance(1000);
		expect(ui.terminal.frames.length).toBe(frames + 1);
		await advance(2000);
		expect(ui.terminal.frames.length).toBe(frames + 3);
	});

	test('given a check that has just started, it spins: many frames a second, while it is fresh', async () => {
		vi.useFakeTimers({toFake: ['setInterval', 'clearInterval', 'Date']});
		// The deploy started at the last event's stamp: a moment ago.
		vi.setSystemTime(stamp(deploying).at(-1)!.ts + 100);
		const ui = checklistOver(deploying);
		await timersSet(2);
		const frames = ui.terminal.frames.length;
		await advance(1000);
		expect(ui.terminal.frames.length).toBeGreaterThan(frames + 5);
	});
});

describe('when the run is drawn', () => {
	const store = () => {
		const history: EngineEvent[] = [];
		const listeners = new Set<() => void>();
		let state = fold(prepDone);
		return {
			store: {
				getState: () => state,
				events: () => history,
				subscribe(listener: () => void) {
					listeners.add(listener);
					return () => listeners.delete(listener);
				},
			},
			emit(...types: Array<EngineEvent['type']>) {
				for (const type of types) history.push({type} as EngineEvent);
				state = {...state};
				for (const listener of listeners) listener();
			},
			state: () => state,
		};
	};

	test('given the samples and the output of one tick, the screen is told once, when the next tick is due at the latest', () => {
		vi.useFakeTimers();
		const run = store();
		let told = 0;
		const frames = runFrames(run.store, () => (told += 1));
		run.emit('gate-sampled', 'gate-sampled');
		run.emit('gate-sampled', 'gate-sampled');
		vi.advanceTimersByTime(100);
		run.emit('step-output');
		vi.advanceTimersByTime(STREAM_FRAME_MS - 101);
		expect(told).toBe(0);
		vi.advanceTimersByTime(1);
		expect(told).toBe(1);
		vi.advanceTimersByTime(10 * STREAM_FRAME_MS);
		expect(told).toBe(1);
		frames.stop();
	});

	test('given a step that finished, the screen is told in the next turn, and again no sooner than a frame later', () => {
		vi.useFakeTimers();
		const run = store();
		let told = 0;
		const frames = runFrames(run.store, () => (told += 1));
		run.emit('gate-sampled', 'step-finished');
		vi.advanceTimersByTime(0);
		expect(told).toBe(1);
		run.emit('phase-confirmed');
		vi.advanceTimersByTime(RUN_FRAME_MS - 1);
		expect(told).toBe(1);
		vi.advanceTimersByTime(1);
		expect(told).toBe(2);
		frames.stop();
	});

	test('given the clock drew the latest state first, the samples waiting for it cost no call of their own', () => {
		vi.useFakeTimers();
		const run = store();
		let told = 0;
		const frames = runFrames(run.store, () => (told += 1));
		run.emit('gate-sampled');
		vi.advanceTimersByTime(400);
		frames.drawn(run.state());
		vi.advanceTimersByTime(10 * STREAM_FRAME_MS);
		expect(told).toBe(0);
		frames.stop();
	});

	test('given a change the events do not explain, it is drawn as progress', () => {
		vi.useFakeTimers();
		const run = store();
		let told = 0;
		const frames = runFrames(run.store, () => (told += 1));
		run.emit();
		vi.advanceTimersByTime(0);
		expect(told).toBe(1);
		frames.stop();
	});
});

describe('the clock', () => {
	test('ticks once a second, not faster', async () => {
		vi.useFakeTimers({toFake: ['setInterval', 'clearInterval', 'Date']});
		let renders = 0;
		const Probe = () => {
			renders += 1;
			return <Text>{String(useClock())}</Text>;
		};
		const ui = renderAt(<Probe />, {columns: 40, rows: 5});
		mounted.push(ui.unmount);
		await timersSet(1);
		const before = renders;
		await advance(5000);
		expect(renders - before).toBe(5);
	});
});

describe('chart colours', () => {
	const colourAt = (line: string): Array<[string, string | undefined]> => {
		const cells: Array<[string, string | undefined]> = [];
		let colour: string | undefined;
		for (const piece of line.split(/(\u001B\[\d+m)/)) {
			const code = /^\u001B\[(\d+)m$/.exec(piece)?.[1];
			if (code !== undefined) colour = code === '0' ? undefined : code;
			else for (const character of piece) cells.push([character, colour]);
		}
		return cells;
	};

	test('given a coloured chart, runs of one colour carry one code each and every cell keeps its colour', () => {
		const wave = (phase: number) => Array.from({length: 60}, (_, index) => 40 + Math.sin(index / 5 + phase) * 10);
		const lines = asciichart.plot([wave(0), wave(2), Array.from({length: 60}, () => 60)], {height: 8, colors: [asciichart.green, asciichart.blue, asciichart.red]}).split('\n');
		for (const line of lines) {
			const merged = mergeColourRuns(line);
			expect(colourAt(merged)).toEqual(colourAt(line));
			expect(merged.length).toBeLessThanOrEqual(line.length);
		}
		const codes = (text: string) => text.match(/\u001B\[\d+m/g)?.length ?? 0;
		expect(codes(lines.map(mergeColourRuns).join('\n'))).toBeLessThan(codes(lines.join('\n')) / 4);
	});
});
