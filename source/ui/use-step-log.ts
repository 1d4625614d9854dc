import {useEffect, useRef, useState} from 'react';
import type {LogView, StepLogs} from '../adapters/log-view.js';
import type {StepAddress} from '../engine/step-detail.js';

/** Bytes indexed per turn of the event loop: a huge log never holds up a key or a frame for long. */
const INDEX_SLICE_BYTES = 8 * 1024 * 1024;

export type StepLog = {
	view?: LogView;
	/** Where the log lives, to name it on screen. */
	file?: string;
	/** Lines indexed so far. */
	total: number;
	/** Still reading through a long file for the first time. */
	indexing: boolean;
	/** Changes whenever the log grew: windows read from the view are read again. */
	version: number;
};

/**
 * The full log of the step shown in the detail view, kept open only while it is shown: indexed in
 * slices, and followed as it grows (fs.watch in the adapter, and each batch of output the run reports).
 */
export const useStepLog = (logs: StepLogs | undefined, at: StepAddress | undefined, outputSeen: number): StepLog => {
	const [view, setView] = useState<LogView>();
	const [version, setVersion] = useState(0);
	const [indexing, setIndexing] = useState(false);
	const pump = useRef<() => void>(() => {});
	const phase = at?.phase;
	const step = at?.step;

	useEffect(() => {
		if (!logs || phase === undefined || step === undefined) return;
		const opened = logs.open(phase, step);
		let alive = true;
		let busy = false;
		let again = false;
		let slice: NodeJS.Immediate | undefined;
		const run = () => {
			slice = undefined;
			if (!alive) return;
			const done = opened.index(INDEX_SLICE_BYTES);
			setVersion((count) => count + 1);
			if (!done || again) {
				again = false;
				setIndexing(!done);
				slice = setImmediate(run);
				return;
			}
			setIndexing(false);
			busy = false;
		};
		pump.current = () => {
			if (busy) {
				again = true;
				return;
			}
			busy = true;
			run();
		};
		setView(opened);
		pump.current();
		const stopFollowing = opened.follow(() => pump.current());
		return () => {
			alive = false;
			if (slice) clearImmediate(slice);
			stopFollowing();
			opened.close();
			pump.current = () => {};
			setView(undefined);
		};
	}, [logs, phase, step]);

	// The run reported new output of this step: it is on disk already (written before it is reported).
	useEffect(() => {
		pump.current();
	}, [outputSeen]);

	const wanted = Boolean(logs && phase !== undefined && step !== undefined);
	return {
		...(view ? {view} : {}),
		...(logs && phase !== undefined && step !== undefined ? {file: logs.file(phase, step)} : {}),
		total: view?.lineCount() ?? 0,
		// Until the view is open (the frame before its effect ran) the log is being read, not empty.
		indexing: indexing || (wanted && !view),
		version,
	};
};
