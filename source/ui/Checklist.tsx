import {Box, Text, useApp, useInput, type Key} from 'ink';
import {memo, useEffect, useMemo, useRef, useState, type ReactNode} from 'react';
import type {StepLogs} from '../adapters/log-view.js';
import type {EngineEvent} from '../engine/events.js';
import type {SendIntent} from '../engine/intents.js';
import type {RunState} from '../engine/state.js';
import {stepDetail, type StepAddress} from '../engine/step-detail.js';
import {interpretKey, keyPresses, TOGETHER_REFUSED, viewMode, type Inspecting, type KeyMode, type LogExtent, type LogSearchRequest} from './checklist-keys.js';
import {stepAt} from './cursor.js';
import {GateChart} from './GateChart.js';
import {chartPlotter, type Plot} from './gate-evidence.js';
import {planInspector} from './inspect-plan.js';
import {footerLines, headerLines, liveFrame, sameFrame, type Flash, type LiveFrame} from './live-frame.js';
import {LineView} from './LineView.js';
import {OutcomeScreen} from './OutcomeScreen.js';
import {CHART_MIN_ROWS, frameRows} from './screen-plan.js';
import {sameLines, type Line} from './step-lines.js';
import {StepInspector} from './StepInspector.js';
import type {ChecklistRole, RunStore} from './store.js';
import {ColourContext, useTone} from './theme.js';
import {useClock} from './use-clock.js';
import {useRunState} from './use-run-state.js';
import {useStepLog, type StepLog} from './use-step-log.js';
import {useTerminalSize} from './use-terminal-size.js';

export type ChecklistProps = {
	store: RunStore;
	send: SendIntent;
	role: ChecklistRole;
	operator: string;
	/** Rehearsal speed: watch and bake times are divided by it. */
	speed?: number;
	colour?: boolean;
	/** The clock for elapsed and remaining times. */
	clock?: () => number;
	plot?: Plot;
	/** The session's step logs, for the detail view; without them it says there is no log. */
	logs?: StepLogs;
};

/** How long a message (a refused key, a blocked Enter) stays highlighted in the footer. */
const FLASH_MS = 4000;

/** The step open in the detail view, if one is. */
const inspected = (mode: KeyMode): Inspecting | undefined => {
	const view = viewMode(mode);
	return view.kind === 'detail' || view.kind === 'log' ? view.inspect : undefined;
};

/** A search's answer moves the log to the line found (at the top, as less does) and stops following. */
const applySearch = (mode: KeyMode, request: LogSearchRequest, log: StepLog, extent: LogExtent): {mode: KeyMode; flash?: string} => {
	if (mode.kind !== 'detail' && mode.kind !== 'log') return {mode};
	const found = log.view?.search(request.text, {from: request.from, backward: request.backward});
	if (!found) return {mode, flash: `Not found in the log: "${request.text}"`};
	const last = Math.max(0, extent.total - extent.rows);
	const inspect = {...mode.inspect, scroll: {top: Math.min(found.line, last), follow: false}, search: {...mode.inspect.search, match: found.line}};
	return {
		mode: {...mode, inspect},
		...(found.wrapped ? {flash: `Search went on from the ${request.backward ? 'end' : 'top'} of the log: "${request.text}" on line ${found.line + 1}`} : {}),
	};
};

const Lines = memo(
	({lines}: {lines: Line[]}) => (
		<>
			{lines.map((line) => (
				<LineView key={line.key} line={line} />
			))}
		</>
	),
	(a, b) => sameLines(a.lines, b.lines),
);

/** The live checklist: header, phases with the current one expanded, charts, log pane, footer. */
export const Checklist = ({store, send, role, operator, speed = 1, colour = true, clock, plot, logs}: ChecklistProps) => {
	const state = useRunState(store);
	const size = useTerminalSize();
	const now = useClock(clock);
	const {exit} = useApp();
	const [mode, setMode] = useState<KeyMode>({kind: 'normal'});
	// Keys of one paste or a fast typist arrive before React re-renders: the latest mode lives here.
	const modeNow = useRef(mode);
	const [flash, setFlash] = useState<Flash>();
	const stopping = useRef(false);

	// The step in the detail view: its log is open (and followed) only while it is shown.
	const inspect = inspected(mode);
	const address = useMemo<StepAddress | undefined>(
		() => (inspect ? {phase: inspect.phase, step: inspect.step} : undefined),
		[inspect?.phase, inspect?.step],
	);
	const shownStep = address ? stepAt(state, {phase: address.phase, step: address.step})?.step : undefined;
	const log = useStepLog(logs, address, shownStep ? shownStep.logDropped + shownStep.log.length + shownStep.attempt * 1e9 : 0);
	const logNow = useRef(log);
	logNow.current = log;
	// The log pane as last drawn: the keys scroll within it.
	const logExtent = useRef<LogExtent>({total: 0, rows: 1});

	useEffect(() => {
		if (!state.outcome) return;
		// After this frame (the outcome) is on screen, and never before the caller waits for the exit. Only
		// if the run still has it then: a resumed session's first frame may show the outcome the run had
		// before it was resumed, and the run has gone on since.
		const timer = setImmediate(() => {
			if (store.getState().outcome) exit();
		});
		return () => clearImmediate(timer);
	}, [state.outcome, exit, store]);

	const onKey = (input: string, key: Key, together: boolean) => {
		if (key.ctrl && input === 'c' && stopping.current) {
			exit();
			return;
		}
		const before = modeNow.current;
		const extent = {...logExtent.current, total: logNow.current.total};
		const outcome = interpretKey({state: store.getState(), role, operator, mode: before, log: extent}, input, key);
		// A key that came with others may be part of a paste: it never ticks, confirms or decides.
		if (together && outcome.intent) {
			setFlash({text: TOGETHER_REFUSED, until: (clock ?? Date.now)() + FLASH_MS});
			return;
		}
		let next = outcome.mode;
		let message = outcome.flash;
		if (outcome.search) {
			// The keys cannot read the log; the view asks it and moves to what it found.
			const answer = applySearch(next, outcome.search, logNow.current, extent);
			next = answer.mode;
			message = answer.flash ?? message;
		}
		modeNow.current = next;
		setMode(next);
		if (message) setFlash({text: message, until: (clock ?? Date.now)() + FLASH_MS});
		else if (outcome.intent || next.kind !== before.kind || outcome.search) setFlash(undefined);
		if (outcome.intent?.type === 'quit') stopping.current = true;
		const answer = outcome.intent ? send(outcome.intent) : undefined;
		// The driver refused (e.g. "mark done" without the value the step captures): say why.
		if (answer && !answer.ok) setFlash({text: answer.reason, until: (clock ?? Date.now)() + FLASH_MS});
		if (outcome.exit) exit();
	};
	useInput(
		(input, key) => {
			for (const press of keyPresses(input, key, () => modeNow.current)) onKey(press.input, press.key, press.together);
		},
		{isActive: !state.outcome},
	);

	const plotted = useMemo(() => chartPlotter(plot), [plot]);
	const view = viewMode(mode);
	let content: ReactNode;
	if (state.outcome) {
		content = <OutcomeScreen state={state} header={headerLines(state, role, operator, now)} rows={size.rows} />;
	} else if ((view.kind === 'detail' || view.kind === 'log') && mode.kind !== 'help') {
		const footer = footerLines(state, role, operator, mode, flash, now, size.columns);
		const {headerLines: headerRows, body} = frameRows(size, footer.length);
		content = (
			<Box flexDirection="column" width={size.columns}>
				<Lines lines={headerLines(state, role, operator, now).slice(0, headerRows)} />
				<Inspector
					state={state}
					now={now}
					speed={speed}
					events={store.events()}
					inspect={view.inspect}
					maximised={view.kind === 'log'}
					rows={body}
					size={size}
					log={log}
					logExtent={logExtent}
					plot={plot}
				/>
				<Lines lines={footer} />
			</Box>
		);
	} else {
		content = <LiveView frame={liveFrame({state, role, operator, speed, now, mode, flash, size, colour}, plotted)} />;
	}
	return <ColourContext.Provider value={colour}>{content}</ColourContext.Provider>;
};

/** The checklist as `liveFrame` planned it; a frame that shows the same as the last one is not drawn. */
const LiveView = memo(
	({frame}: {frame: LiveFrame}) => (
		<Box flexDirection="column" width={frame.columns}>
			<Lines lines={frame.header} />
			<Lines lines={frame.lines} />
			{frame.charts.map(({key, ...chart}) => (
				<GateChart key={key} {...chart} />
			))}
			<Lines lines={frame.gates} />
			<Lines lines={frame.log} />
			<Lines lines={frame.footer} />
		</Box>
	),
	(a, b) => sameFrame(a.frame, b.frame),
);

type InspectorProps = {
	state: RunState;
	now: number;
	speed: number;
	events: readonly EngineEvent[];
	inspect: Inspecting;
	maximised: boolean;
	rows: number;
	size: {columns: number; rows: number};
	log: StepLog;
	logExtent: {current: LogExtent};
	plot?: Plot;
};

/** The detail view of one step: read from the events (the state keeps only tails), its log from the file. */
const Inspector = ({state, now, speed, events, inspect, maximised, rows, size, log, logExtent, plot}: InspectorProps) => {
	const tone = useTone();
	const {phase, step} = inspect;
	// Read again whenever an event arrives (the state changes with each), not on every clock tick.
	const detail = useMemo(() => stepDetail(state, events, {phase, step}), [state, events, events.length, phase, step]);
	if (!detail) {
		return (
			<Text wrap="truncate-end" {...tone('warn')}>
				{`No step ${phase}/${step} in this runbook`}
			</Text>
		);
	}
	const plan = planInspector(detail, rows, maximised, {charts: size.rows >= CHART_MIN_ROWS, now, speed, columns: size.columns});
	logExtent.current = {total: log.total, rows: Math.max(1, plan.logRows)};
	return (
		<StepInspector
			plan={plan}
			log={log}
			scroll={inspect.scroll}
			search={inspect.search}
			columns={size.columns}
			metrics={state.metrics}
			{...(plot ? {plot} : {})}
		/>
	);
};
