import {useCallback, useEffect, useRef, useSyncExternalStore} from 'react';
import type {EngineEvent} from '../engine/events.js';
import type {RunState} from '../engine/state.js';
import type {RunStore} from './store.js';

/**
 * The shortest time between two frames the run's progress draws (10 a second): a step that starts
 * or ends, a confirmation, a refusal. Events that come together are drawn together, once.
 */
export const RUN_FRAME_MS = 100;

/**
 * Samples and output only add to what is on screen: they are drawn with the clock's next tick (once
 * a second), in the same frame as the elapsed and remaining times. This is how long they wait at
 * most when no tick drew them.
 */
export const STREAM_FRAME_MS = 1200;

const STREAMING: ReadonlySet<EngineEvent['type']> = new Set(['gate-sampled', 'step-output']);

export type FrameTimes = {frameMs: number; streamMs: number};

export type RunFrames = {
	/** The screen drew `state`: when it is still the latest, nothing waits for a frame any more. */
	drawn(state: RunState): void;
	stop(): void;
};

/**
 * Calls `listener` once for the changes of a frame, never within the turn of the event loop that
 * made them (events emitted together are one call): progress at most every `frameMs`, samples and
 * output only after `streamMs`, unless a render for another reason (the clock's tick) drew them
 * first. A change the events do not explain counts as progress.
 */
export const runFrames = (
	store: Pick<RunStore, 'subscribe' | 'events' | 'getState'>,
	listener: () => void,
	times: FrameTimes = {frameMs: RUN_FRAME_MS, streamMs: STREAM_FRAME_MS},
	clock: () => number = Date.now,
): RunFrames => {
	let last = Number.NEGATIVE_INFINITY;
	let seen = store.events().length;
	let pending: {timer: NodeJS.Timeout; due: number} | undefined;
	const cancel = () => {
		if (pending) clearTimeout(pending.timer);
		pending = undefined;
	};
	const fire = () => {
		pending = undefined;
		last = clock();
		listener();
	};
	const unsubscribe = store.subscribe(() => {
		const events = store.events();
		let streaming = events.length > seen;
		for (let index = seen; streaming && index < events.length; index++) streaming = STREAMING.has(events[index]!.type);
		seen = events.length;
		const now = clock();
		const due = streaming ? now + times.streamMs : Math.max(now, last + times.frameMs);
		if (pending && pending.due <= due) return;
		cancel();
		pending = {due, timer: setTimeout(fire, due - now)};
	});
	return {
		drawn(state) {
			last = clock();
			if (store.getState() === state) cancel();
		},
		stop() {
			cancel();
			unsubscribe();
		},
	};
};

/**
 * The run as the store has it now. Re-renders for the run's progress at most once per frame, for
 * samples and output with the next tick; any render (a key, the clock) draws the latest state, and
 * what it drew waits for no frame of its own.
 */
export const useRunState = (store: RunStore, times?: FrameTimes): RunState => {
	const frameMs = times?.frameMs ?? RUN_FRAME_MS;
	const streamMs = times?.streamMs ?? STREAM_FRAME_MS;
	const frames = useRef<RunFrames>(undefined);
	const subscribe = useCallback(
		(listener: () => void) => {
			const created = runFrames(store, listener, {frameMs, streamMs});
			frames.current = created;
			return () => {
				created.stop();
				if (frames.current === created) frames.current = undefined;
			};
		},
		[store, frameMs, streamMs],
	);
	const getState = useCallback(() => store.getState(), [store]);
	const state = useSyncExternalStore(subscribe, getState, getState);
	// After every render: a passive effect, so it never makes Ink draw.
	useEffect(() => frames.current?.drawn(state));
	return state;
};
