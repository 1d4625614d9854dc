import {Box, Text, useApp, useInput, type Key} from 'ink';
import {useEffect, useMemo, useRef, useState} from 'react';
import type {StepLogs} from '../adapters/log-view.js';
import type {EngineEvent} from '../engine/events.js';
import type {SendIntent} from '../engine/intents.js';
import {confirmBlocker, currentPhase} from '../engine/select.js';
import type {RunState} from '../engine/state.js';
import {stepDetail, type StepAddress} from '../engine/step-detail.js';
import {printableLine} from '../engine/printable.js';
import {formatDuration} from '../runbook/duration.js';
import {
	inspectFooter,
	interpretKey,
	keyHelp,
	keyPresses,
	keysFooter,
	promptQuestion,
	QUIT_QUESTION,
	SEARCH_HINT,
	TOGETHER_REFUSED,
	viewMode,
	type Inspecting,
	type KeyMode,
	type LogExtent,
	type LogSearchRequest,
} from './checklist-keys.js';
import {stepAt} from './cursor.js';
import {GateChart} from './GateChart.js';
import type {Plot} from './gate-evidence.js';
import {planInspector} from './inspect-plan.js';
import {LineView} from './LineView.js';
import {OutcomeScreen} from './OutcomeScreen.js';
import {CHART_MIN_ROWS, CHART_SIDE_WIDTH, frameRows, planScreen} from './screen-plan.js';
import type {Line} from './step-lines.js';
import {expandTabs, StepInspector} from './StepInspector.js';
import type {ChecklistRole, RunStore} from './store.js';
import {ColourContext, useTone, type Tone} from './theme.js';
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

type Flash = {text: string; until: number};

export const headerLines = (state: RunState, role: ChecklistRole, operator: string, now: number): Line[] => {
	const end = state.finishedAt ?? now;
	const elapsed = state.startedAt === undefined ? 'not started' : formatDuration(end - state.startedAt);
	const rollback = state.rollback?.active
		? ` · ROLLBACK by ${state.rollback.startedBy ?? '?'}: ${state.rollback.reason ?? ''}`
		: '';
	return [
		{key: 'title', text: `greenlight · ${state.title} · ${elapsed}`, tone: 'strong'},
		{
			key: 'context',
			text: [
				`target ${state.target || 'default'}`,
				`session ${state.session || '?'}`,
				`operators ${state.operators.join(', ') || operator}`,
				...(role === 'pair' ? [`you ${operator} (pair view)`] : []),
				...(state.breakGlass ? ['BREAK-GLASS'] : []),
			].join(' · ') + rollback,
			tone: state.rollback?.active || state.breakGlass ? 'warn' : 'muted',
		},
	];
};

/** The line above the keys: why Enter is blocked, or what Enter will confirm. */
export const statusLine = (state: RunState, role: ChecklistRole, operator: string): Line => {
	const phase = currentPhase(state);
	if (!phase) return {key: 'status', text: 'All phases confirmed', tone: 'good'};
	const blocker = confirmBlocker(state, operator);
	if (blocker) {
		// The pair has no Space: what the driver still has to do is said without the driver's keys.
		if (role === 'pair') return {key: 'status', text: `Not ready: ${blocker.replace(' (Space)', '')}`, tone: 'bad'};
		return {key: 'status', text: `Enter blocked: ${blocker}`, tone: 'bad'};
	}
	if (phase.confirm === 'pair') {
		const first = phase.confirmations[0];
		if (first) return {key: 'status', text: `Enter: second confirmation of ${phase.title} (first: ${first})`, tone: 'good'};
		if (role === 'pair') return {key: 'status', text: `Ready: the driver confirms ${phase.title} first, then Enter gives the second confirmation`, tone: 'muted'};
		return {key: 'status', text: `Enter: confirm ${phase.title} (four eyes: a second operator confirms after you)`, tone: 'good'};
	}
	if (role === 'pair') return {key: 'status', text: `Ready: the driver confirms ${phase.title}`, tone: 'muted'};
	return {key: 'status', text: `Enter: confirm ${phase.title}`, tone: 'good'};
};

/** How long a refusal of a pair's message stays in the status line. */
const REFUSAL_SHOWN_MS = 10_000;

const footerLines = (
	state: RunState,
	role: ChecklistRole,
	operator: string,
	mode: KeyMode,
	flash: Flash | undefined,
	now: number,
	columns: number,
): Line[] => {
	const lines: Line[] = [];
	const status = statusLine(state, role, operator);
	// What the driver refused from a pair is shown to both for a while; the journal and the record keep it.
	const refusal = state.refusals.at(-1);
	if (flash && flash.until > now) {
		const tone: Tone = flash.text.startsWith('Enter blocked') ? 'bad' : 'warn';
		lines.push({key: 'status', text: `» ${flash.text}`, tone});
	} else if (refusal && now - refusal.ts < REFUSAL_SHOWN_MS) {
		lines.push({key: 'status', text: `⊘ refused${refusal.operator ? ` from ${refusal.operator}` : ''}: ${refusal.reason}`, tone: 'bad'});
	} else {
		lines.push(status);
	}
	const view = viewMode(mode);
	if (mode.kind === 'prompt') {
		lines.push({key: 'question', text: promptQuestion[mode.purpose], tone: 'accent'});
		lines.push({key: 'input', text: `> ${mode.text}▌`, tone: 'plain'});
	} else if (mode.kind === 'quit') {
		lines.push({key: 'question', text: role === 'driver' ? QUIT_QUESTION : 'Leave the pair view? (y/n)', tone: 'accent'});
	} else if ((mode.kind === 'detail' || mode.kind === 'log') && mode.inspect.search.typing !== undefined) {
		lines.push({key: 'search', text: `/${mode.inspect.search.typing}▌   ${SEARCH_HINT}`, tone: 'accent'});
	}
	const keys = view.kind === 'detail' || view.kind === 'log' ? inspectFooter(columns, view.kind === 'log') : keysFooter(role, columns);
	lines.push({key: 'keys', text: keys, tone: 'muted'});
	return lines;
};

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

const Lines = ({lines}: {lines: Line[]}) => (
	<>
		{lines.map((line) => (
			<LineView key={line.key} line={line} />
		))}
	</>
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
		// After this frame (the outcome) is on screen, and never before the caller waits for the exit.
		const timer = setImmediate(() => exit());
		return () => clearImmediate(timer);
	}, [state.outcome, exit]);

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

	const content = state.outcome ? (
		<OutcomeScreen state={state} header={headerLines(state, role, operator, now)} rows={size.rows} />
	) : (
		<LiveScreen
			state={state}
			events={store.events()}
			role={role}
			operator={operator}
			speed={speed}
			now={now}
			mode={mode}
			flash={flash}
			size={size}
			colour={colour}
			plot={plot}
			log={log}
			logExtent={logExtent}
		/>
	);
	return <ColourContext.Provider value={colour}>{content}</ColourContext.Provider>;
};

type LiveScreenProps = {
	state: RunState;
	events: readonly EngineEvent[];
	role: ChecklistRole;
	operator: string;
	speed: number;
	now: number;
	mode: KeyMode;
	flash: Flash | undefined;
	size: {columns: number; rows: number};
	colour: boolean;
	plot?: Plot;
	log: StepLog;
	/** Where the log pane's size is left for the keys. */
	logExtent: {current: LogExtent};
};

const LiveScreen = ({state, events, role, operator, speed, now, mode, flash, size, colour, plot, log, logExtent}: LiveScreenProps) => {
	const tone = useTone();
	const footer = footerLines(state, role, operator, mode, flash, now, size.columns);
	const view = viewMode(mode);
	const {headerLines: headerRows, body} = frameRows(size, footer.length);
	const header = headerLines(state, role, operator, now).slice(0, headerRows);
	const help = mode.kind === 'help' ? (
		<Lines
			lines={[
				{key: 'help-title', text: 'Keys', tone: 'strong' as Tone},
				...keyHelp(role).map(([keys, what]) => ({key: keys, text: `  ${keys.padEnd(10)} ${what}`})),
			].slice(0, body)}
		/>
	) : null;
	if (view.kind === 'detail' || view.kind === 'log') {
		return (
			<Box flexDirection="column" width={size.columns}>
				<Lines lines={header} />
				{help ?? (
					<Inspector
						state={state}
						now={now}
						speed={speed}
						events={events}
						inspect={view.inspect}
						maximised={view.kind === 'log'}
						rows={body}
						size={size}
						log={log}
						logExtent={logExtent}
						plot={plot}
					/>
				)}
				<Lines lines={footer} />
			</Box>
		);
	}
	const plan = planScreen(state, {state, now, speed, role}, size, footer.length, view.kind === 'cursor' ? view.at : undefined);
	const sideWidth = Math.min(CHART_SIDE_WIDTH, Math.floor(size.columns / 3));
	const chartWidth = Math.max(10, size.columns - sideWidth - 1);
	return (
		<Box flexDirection="column" width={size.columns}>
			<Lines lines={header} />
			{help ?? (
				<>
					<Lines lines={plan.phaseLines} />
					{plan.focus
						? plan.charts.map((slot) => {
								const gate = plan.focus!.step.gates[slot.gate]!;
								return (
									<GateChart
										key={`chart${slot.gate}`}
										gate={gate}
										metric={state.metrics[gate.metric]}
										height={slot.height}
										width={chartWidth}
										sideWidth={sideWidth}
										colour={colour}
										plot={plot}
									/>
								);
							})
						: null}
					<Lines lines={plan.gateLines} />
					{plan.log ? (
						<>
							<Text wrap="truncate-end" {...tone('muted')}>
								{printableLine(plan.log.title)}
							</Text>
							{plan.log.lines.map((line, index) => (
								<Text key={index} wrap="truncate-end">
									{expandTabs(printableLine(line))}
								</Text>
							))}
						</>
					) : null}
				</>
			)}
			<Lines lines={footer} />
		</Box>
	);
};

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
