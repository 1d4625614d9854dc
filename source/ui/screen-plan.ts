import {currentPhase, isFailingGate, isStuck} from '../engine/select.js';
import type {PhaseState, RunState, StepState} from '../engine/state.js';
import {cursorPhases, findPhase, focusStep, type ItemRef} from './cursor.js';
import {gateSummary} from './gate-evidence.js';
import {phaseCapturedLine, phaseLine, phasesSummaryLine, stepBlock, type Line, type LineContext, type StepBlock} from './step-lines.js';

export {focusStep} from './cursor.js';

/** Charts need room to be readable; below this many terminal rows they give way to one-line verdicts. */
export const CHART_MIN_ROWS = 20;
const CHART_MIN_HEIGHT = 5;
const CHART_MAX_HEIGHT = 10;
/** Columns kept beside a chart for the metric's title, verdict and values. */
export const CHART_SIDE_WIDTH = 32;
const LOG_MIN_LINES = 3;

export type ScreenSize = {columns: number; rows: number};

export type ChartSlot = {gate: number; height: number};

export type ScreenPlan = {
	headerLines: number;
	phaseLines: Line[];
	focus?: {phase: PhaseState; step: StepState};
	charts: ChartSlot[];
	/** One line per gate that has no chart. */
	gateLines: Line[];
	log?: {title: string; lines: string[]};
};

const chartable = (step: StepState | undefined): boolean =>
	Boolean(
		step &&
			step.gates.length > 0 &&
			(step.status === 'running' || isStuck(step.status)),
	);

const flatten = (blocks: StepBlock[], withDetails: (index: number) => boolean): Line[] =>
	blocks.flatMap((block, index) => (withDetails(index) ? [block.main, ...block.details] : [block.main]));

/** The key of the line an item is drawn on. */
const itemKey = (at: ItemRef): string => (at.step ? `${at.phase}/${at.step}` : at.phase);

/**
 * Phases in a row folded into summary lines: the confirmed ones, the ones to come; the current
 * phase keeps its own line, so it is never hidden in a summary.
 */
const foldPhases = (key: string, phases: PhaseState[], current: PhaseState | undefined): Line[] => {
	const lines: Line[] = [];
	let run: PhaseState[] = [];
	const close = () => {
		const line = phasesSummaryLine(lines.length === 0 ? key : `${key}${lines.length}`, run);
		if (line) lines.push(line);
		run = [];
	};
	for (const phase of phases) {
		if (phase === current) {
			close();
			lines.push(phaseLine(phase, true));
			continue;
		}
		if (run.length > 0 && run[0]!.confirmed !== phase.confirmed) close();
		run.push(phase);
	}
	close();
	return lines;
};

/**
 * The phases as lines within `budget`. One phase is open (its steps listed): the one under the
 * cursor, else the current one. First everything; then the other phases folded into summaries;
 * then only the anchor step (the cursor's, else the focus step) explained; then a window of steps
 * around it. The rollback procedure shows once it runs or the cursor is in it.
 */
const fitPhases = (state: RunState, context: LineContext, focusId: string | undefined, budget: number, cursor?: ItemRef): Line[] => {
	const current = currentPhase(state);
	const open = cursor ? findPhase(state, cursor.phase) : current;
	const shown = cursorPhases(state).filter((phase) => phase !== state.rollback || state.rollback.active || phase === open);
	const openIndex = open ? shown.indexOf(open) : shown.length;
	const before = shown.slice(0, openIndex);
	const after = shown.slice(openIndex + 1);
	const blocks = open ? open.steps.map((_, index) => stepBlock(open, index, open === current, context)) : [];
	const anchorId = cursor ? cursor.step : focusId;
	const focusIndex = open ? Math.max(0, open.steps.findIndex((step) => step.id === anchorId)) : 0;
	const title = open ? [phaseLine(open, open === current, state.unverified)] : [];
	const listed = (phases: PhaseState[], withCaptures = false) =>
		phases.flatMap((phase) => {
			const captured = withCaptures && phase.confirmed ? phaseCapturedLine(phase, context) : undefined;
			return [phaseLine(phase, phase === current, state.unverified), ...(captured ? [captured] : [])];
		});
	const arrange = (top: Line[], steps: Line[], bottom: Line[]) => [...top, ...title, ...steps, ...bottom];

	const all = flatten(blocks, () => true);
	const candidates = [
		// What earlier phases captured (blue's image and machines) stays in view while there is room.
		arrange(listed(before, true), all, listed(after)),
		arrange(listed(before), all, listed(after)),
		arrange(foldPhases('done', before, current), all, foldPhases('later', after, current)),
		arrange(foldPhases('done', before, current), flatten(blocks, (index) => index === focusIndex), foldPhases('later', after, current)),
	];
	for (const lines of candidates) if (lines.length <= budget) return lines;

	// A window of steps around the focus, with markers for what is hidden.
	const top = foldPhases('done', before, current);
	const bottom = foldPhases('later', after, current);
	const focusBlock = blocks[focusIndex];
	const room = budget - top.length - bottom.length - title.length;
	if (!focusBlock || room < 1) return [...title, ...(focusBlock ? [focusBlock.main] : [])].slice(0, Math.max(0, budget));
	const focusLines = [focusBlock.main, ...focusBlock.details].slice(0, room);
	let from = focusIndex;
	let to = focusIndex + 1;
	const count = () => focusLines.length + (to - from - 1) + (from > 0 ? 1 : 0) + (to < blocks.length ? 1 : 0);
	// Grow the window one step at a time, alternating below and above, while it fits.
	for (let grew = true; grew; ) {
		grew = false;
		if (to < blocks.length) {
			to += 1;
			if (count() <= room) grew = true;
			else to -= 1;
		}
		if (from > 0) {
			from -= 1;
			if (count() <= room) grew = true;
			else from += 1;
		}
	}
	const steps: Line[] = [];
	if (from > 0) steps.push({key: 'steps-above', text: `  ⋯ ${from} step${from === 1 ? '' : 's'} above`, tone: 'muted'});
	for (let index = from; index < to; index += 1) {
		if (index === focusIndex) steps.push(...focusLines);
		else steps.push(blocks[index]!.main);
	}
	const below = blocks.length - to;
	if (below > 0) steps.push({key: 'steps-below', text: `  ⋯ ${below} more step${below === 1 ? '' : 's'}`, tone: 'muted'});
	return arrange(top, steps, bottom).slice(0, budget);
};

/** The cursor's column: a marker on its line, blanks on the others, so the titles stay aligned. */
const withCursor = (lines: Line[], cursor: ItemRef): Line[] => {
	const key = itemKey(cursor);
	return lines.map((line) => (line.key === key ? {...line, gutter: CURSOR_MARK, selected: true} : {...line, gutter: '  '}));
};

/** Drawn before the line under the cursor. */
export const CURSOR_MARK = '› ';

/**
 * The header's lines and the body's rows between it and the footer. One row stays free: output as
 * tall as the terminal makes Ink clear and redraw the whole screen.
 */
export const frameRows = (size: ScreenSize, footerLines: number): {headerLines: number; body: number} => {
	const usable = Math.max(1, size.rows - 1);
	const headerLines = usable >= 12 ? 2 : 1;
	return {headerLines, body: Math.max(0, usable - headerLines - footerLines)};
};

/**
 * Decides what the body shows within the terminal: phases first (folded as needed), then a chart
 * per gate of the focus step when there is room, then the log pane with whatever is left. The sum
 * never exceeds `size.rows - 1 - footerLines`, so the live region is never taller than the terminal.
 */
export const planScreen = (
	state: RunState,
	context: LineContext,
	size: ScreenSize,
	footerLines: number,
	cursor?: ItemRef,
): ScreenPlan => {
	const {headerLines, body} = frameRows(size, footerLines);
	const focus = focusStep(state);
	const gates = focus && chartable(focus.step) ? focus.step.gates : [];
	// A failing gate is what the operator has to see: its chart comes first, the others keep their order.
	const failing = (index: number) => (isFailingGate(gates[index]!) ? 0 : 1);
	const order = gates.map((_, index) => index).sort((a, b) => failing(a) - failing(b) || a - b);
	const wantCharts = gates.length > 0 && size.rows >= CHART_MIN_ROWS;
	const hasLog = Boolean(focus && focus.step.log.length > 0);
	const reserve = Math.min(
		Math.floor(body / 2),
		(wantCharts ? CHART_MIN_HEIGHT + gates.length - 1 : gates.length) + (hasLog ? LOG_MIN_LINES : 0),
	);
	// The cursor's column costs two characters of every title.
	const lineContext = {...context, columns: size.columns - (cursor ? CURSOR_MARK.length : 0)};
	const fitted = fitPhases(state, lineContext, focus?.step.id, body - reserve, cursor);
	const phaseLines = cursor ? withCursor(fitted, cursor) : fitted;
	let left = body - phaseLines.length;

	const charts: ChartSlot[] = [];
	if (wantCharts) {
		const fitting = (logShare: number) => {
			let count = gates.length;
			// Gates without a chart still get their verdict line.
			while (count > 0 && count * CHART_MIN_HEIGHT + (gates.length - count) + logShare > left) count -= 1;
			return count;
		};
		// The evidence outranks the log: when both do not fit, the first chart takes the log's rows.
		let logShare = hasLog ? LOG_MIN_LINES : 0;
		let count = fitting(logShare);
		if (count === 0 && logShare > 0) {
			logShare = 0;
			count = fitting(0);
		}
		if (count > 0) {
			const height = Math.min(
				CHART_MAX_HEIGHT,
				Math.floor((left - (gates.length - count) - logShare) / count),
			);
			for (const gate of order.slice(0, count)) charts.push({gate, height});
			left -= count * height;
		}
	}
	const gateLines: Line[] = [];
	for (const index of order.slice(charts.length)) {
		const gate = gates[index]!;
		if (left < 1) continue;
		const [title, verdict, , blue] = gateSummary(gate, state.metrics[gate.metric]);
		gateLines.push({
			key: `gate${index}`,
			text: `  ${title?.text}: ${verdict?.text}${gate.blue.length > 0 ? ` · ${blue?.text}` : ''}`,
			tone: verdict?.tone,
		});
		left -= 1;
	}
	let log: ScreenPlan['log'];
	if (focus && hasLog && left >= 2) {
		const lines = focus.step.log.slice(-(left - 1));
		const total = focus.step.log.length + focus.step.logDropped;
		log = {title: `── log: ${focus.step.title} (last ${lines.length} of ${total} lines)`, lines};
	}
	return {headerLines, phaseLines, focus, charts, gateLines, log};
};
