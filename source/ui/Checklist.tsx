import {Box, Text, useApp, useInput} from 'ink';
import {useEffect, useRef, useState} from 'react';
import type {SendIntent} from '../engine/intents.js';
import {confirmBlocker, currentPhase} from '../engine/select.js';
import type {RunState} from '../engine/state.js';
import {formatDuration} from '../runbook/duration.js';
import {
	interpretKey,
	keyHelp,
	keysFooter,
	promptQuestion,
	QUIT_QUESTION,
	type KeyMode,
} from './checklist-keys.js';
import {GateChart} from './GateChart.js';
import type {Plot} from './gate-evidence.js';
import {LineView} from './LineView.js';
import {OutcomeScreen} from './OutcomeScreen.js';
import {CHART_SIDE_WIDTH, planScreen} from './screen-plan.js';
import type {Line} from './step-lines.js';
import type {ChecklistRole, RunStore} from './store.js';
import {ColourContext, useTone, type Tone} from './theme.js';
import {useClock} from './use-clock.js';
import {useRunState} from './use-run-state.js';
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
	if (flash && flash.until > now) {
		const tone: Tone = flash.text.startsWith('Enter blocked') ? 'bad' : 'warn';
		lines.push({key: 'status', text: `» ${flash.text}`, tone});
	} else {
		lines.push(status);
	}
	if (mode.kind === 'prompt') {
		lines.push({key: 'question', text: promptQuestion[mode.purpose], tone: 'accent'});
		lines.push({key: 'input', text: `> ${mode.text}▌`, tone: 'plain'});
	} else if (mode.kind === 'quit') {
		lines.push({key: 'question', text: role === 'driver' ? QUIT_QUESTION : 'Leave the pair view? (y/n)', tone: 'accent'});
	}
	lines.push({key: 'keys', text: keysFooter(role, columns), tone: 'muted'});
	return lines;
};

const Lines = ({lines}: {lines: Line[]}) => (
	<>
		{lines.map((line) => (
			<LineView key={line.key} line={line} />
		))}
	</>
);

/** The live checklist: header, phases with the current one expanded, charts, log pane, footer. */
export const Checklist = ({store, send, role, operator, speed = 1, colour = true, clock, plot}: ChecklistProps) => {
	const state = useRunState(store);
	const size = useTerminalSize();
	const now = useClock(clock);
	const {exit} = useApp();
	const [mode, setMode] = useState<KeyMode>({kind: 'normal'});
	// Keys of one paste or a fast typist arrive before React re-renders: the latest mode lives here.
	const modeNow = useRef(mode);
	const [flash, setFlash] = useState<Flash>();
	const stopping = useRef(false);

	useEffect(() => {
		if (!state.outcome) return;
		// After this frame (the outcome) is on screen, and never before the caller waits for the exit.
		const timer = setImmediate(() => exit());
		return () => clearImmediate(timer);
	}, [state.outcome, exit]);

	useInput(
		(input, key) => {
			if (key.ctrl && input === 'c' && stopping.current) {
				exit();
				return;
			}
			const before = modeNow.current;
			const outcome = interpretKey({state: store.getState(), role, operator, mode: before}, input, key);
			modeNow.current = outcome.mode;
			setMode(outcome.mode);
			if (outcome.flash) setFlash({text: outcome.flash, until: (clock ?? Date.now)() + FLASH_MS});
			else if (outcome.intent || outcome.mode.kind !== before.kind) setFlash(undefined);
			if (outcome.intent?.type === 'quit') stopping.current = true;
			const answer = outcome.intent ? send(outcome.intent) : undefined;
			// The driver refused (e.g. "mark done" without the value the step captures): say why.
			if (answer && !answer.ok) setFlash({text: answer.reason, until: (clock ?? Date.now)() + FLASH_MS});
			if (outcome.exit) exit();
		},
		{isActive: !state.outcome},
	);

	const content = state.outcome ? (
		<OutcomeScreen state={state} header={headerLines(state, role, operator, now)} rows={size.rows} />
	) : (
		<LiveScreen
			state={state}
			role={role}
			operator={operator}
			speed={speed}
			now={now}
			mode={mode}
			flash={flash}
			size={size}
			colour={colour}
			plot={plot}
		/>
	);
	return <ColourContext.Provider value={colour}>{content}</ColourContext.Provider>;
};

type LiveScreenProps = {
	state: RunState;
	role: ChecklistRole;
	operator: string;
	speed: number;
	now: number;
	mode: KeyMode;
	flash: Flash | undefined;
	size: {columns: number; rows: number};
	colour: boolean;
	plot?: Plot;
};

const LiveScreen = ({state, role, operator, speed, now, mode, flash, size, colour, plot}: LiveScreenProps) => {
	const tone = useTone();
	const footer = footerLines(state, role, operator, mode, flash, now, size.columns);
	const plan = planScreen(state, {state, now, speed, role}, size, footer.length);
	const header = headerLines(state, role, operator, now).slice(0, plan.headerLines);
	const body = Math.max(0, size.rows - 1 - plan.headerLines - footer.length);
	const sideWidth = Math.min(CHART_SIDE_WIDTH, Math.floor(size.columns / 3));
	const chartWidth = Math.max(10, size.columns - sideWidth - 1);
	return (
		<Box flexDirection="column" width={size.columns}>
			<Lines lines={header} />
			{mode.kind === 'help' ? (
				<Lines
					lines={[
						{key: 'help-title', text: 'Keys', tone: 'strong' as Tone},
						...keyHelp(role).map(([keys, what]) => ({key: keys, text: `  ${keys.padEnd(10)} ${what}`})),
					].slice(0, body)}
				/>
			) : (
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
								{plan.log.title}
							</Text>
							{plan.log.lines.map((line, index) => (
								<Text key={index} wrap="truncate-end">
									{line}
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
