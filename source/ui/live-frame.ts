import {confirmBlocker, currentPhase} from '../engine/select.js';
import type {RunState} from '../engine/state.js';
import {printableLine} from '../engine/printable.js';
import {formatDuration} from '../runbook/duration.js';
import {inspectFooter, keyHelp, keysFooter, promptQuestion, QUIT_QUESTION, SEARCH_HINT, viewMode, type KeyMode} from './checklist-keys.js';
import {chartText, sameChartText, type ChartInput, type ChartText} from './gate-evidence.js';
import {CHART_SIDE_WIDTH, frameRows, planScreen, type ScreenSize} from './screen-plan.js';
import {expandTabs, sameLines, type Line} from './step-lines.js';
import type {ChecklistRole} from './store.js';
import type {Tone} from './theme.js';

// The checklist's screen as data: the header, the body (phases, charts, gate lines, the log pane, or
// the help) and the footer, as the text each row shows. The view draws a frame only when it differs
// from the last one (`sameFrame`): a change of the run that shows nowhere costs no frame. Pure, like
// planScreen, which decides what fits.

/** A message in the footer (a refused key, a blocked Enter) and until when it stays. */
export type Flash = {text: string; until: number};

/** How long a refusal of a pair's message stays in the status line. */
const REFUSAL_SHOWN_MS = 10_000;

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

export const footerLines = (
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

/** The checklist's screen as text. `lines`: the phases (or the help); `charts` below them; then `gates` and `log`. */
export type LiveFrame = {
	columns: number;
	header: Line[];
	lines: Line[];
	charts: Array<ChartText & {key: string}>;
	gates: Line[];
	log: Line[];
	footer: Line[];
};

export type LiveFrameInput = {
	state: RunState;
	role: ChecklistRole;
	operator: string;
	speed: number;
	now: number;
	mode: KeyMode;
	flash: Flash | undefined;
	size: ScreenSize;
	colour: boolean;
};

/**
 * The screen of the checklist and of its help (the detail view draws itself). `plotted` plots a
 * chart by its key, memoised per series (`chartPlotter`).
 */
export const liveFrame = (input: LiveFrameInput, plotted: (key: string, chart: ChartInput) => string[]): LiveFrame => {
	const {state, role, operator, speed, now, mode, flash, size, colour} = input;
	const footer = footerLines(state, role, operator, mode, flash, now, size.columns);
	const {headerLines: headerRows, body} = frameRows(size, footer.length);
	const header = headerLines(state, role, operator, now).slice(0, headerRows);
	const frame: LiveFrame = {columns: size.columns, header, lines: [], charts: [], gates: [], log: [], footer};
	if (mode.kind === 'help') {
		frame.lines = [
			{key: 'help-title', text: 'Keys', tone: 'strong' as Tone},
			...keyHelp(role).map(([keys, what]) => ({key: keys, text: `  ${keys.padEnd(10)} ${what}`})),
		].slice(0, body);
		return frame;
	}
	const view = viewMode(mode);
	const plan = planScreen(state, {state, now, speed, role}, size, footer.length, view.kind === 'cursor' ? view.at : undefined);
	const sideWidth = Math.min(CHART_SIDE_WIDTH, Math.floor(size.columns / 3));
	const layout = {width: Math.max(10, size.columns - sideWidth - 1), sideWidth, colour};
	frame.lines = plan.phaseLines;
	const focus = plan.focus;
	if (focus) {
		frame.charts = plan.charts.map((slot) => {
			const gate = focus.step.gates[slot.gate]!;
			const key = `chart${slot.gate}`;
			return {key, ...chartText(gate, state.metrics[gate.metric], {...layout, height: slot.height}, (chart) => plotted(key, chart))};
		});
	}
	frame.gates = plan.gateLines;
	if (plan.log) {
		frame.log = [
			{key: 'log-title', text: printableLine(plan.log.title), tone: 'muted'},
			...plan.log.lines.map((line, index) => ({key: `log${index}`, text: expandTabs(printableLine(line))})),
		];
	}
	return frame;
};

/** True when two frames show the same text: the second is not drawn. */
export const sameFrame = (a: LiveFrame, b: LiveFrame): boolean =>
	a === b ||
	(a.columns === b.columns &&
		sameLines(a.header, b.header) &&
		sameLines(a.lines, b.lines) &&
		a.charts.length === b.charts.length &&
		a.charts.every((chart, index) => chart.key === b.charts[index]!.key && sameChartText(chart, b.charts[index]!)) &&
		sameLines(a.gates, b.gates) &&
		sameLines(a.log, b.log) &&
		sameLines(a.footer, b.footer));
