import {currentPhase, isFailingGate, isStuck} from '../engine/select.js';
import type {PhaseState, RunState, StepState} from '../engine/state.js';
import {isAutomated} from '../runbook/schema.js';
import {gateSummary} from './gate-evidence.js';
import {phaseLine, phasesSummaryLine, stepBlock, type Line, type LineContext, type StepBlock} from './step-lines.js';

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

/** The step the screen explains: the running one, else one that failed or whose outcome is unknown. */
export const focusStep = (state: RunState): {phase: PhaseState; step: StepState} | undefined => {
	const phase = currentPhase(state);
	if (!phase) return undefined;
	const pick = (test: (step: StepState) => boolean) => phase.steps.find(test);
	const step =
		pick((step) => step.status === 'running' && isAutomated(step.step)) ??
		pick((step) => isStuck(step.status)) ??
		pick((step) => step.status === 'running');
	return step ? {phase, step} : undefined;
};

const chartable = (step: StepState | undefined): boolean =>
	Boolean(
		step &&
			step.gates.length > 0 &&
			(step.status === 'running' || isStuck(step.status)),
	);

const flatten = (blocks: StepBlock[], withDetails: (index: number) => boolean): Line[] =>
	blocks.flatMap((block, index) => (withDetails(index) ? [block.main, ...block.details] : [block.main]));

/**
 * The phases as lines within `budget`: first everything, then other phases folded into summaries,
 * then only the focus step explained, then a window of steps around it.
 */
const fitPhases = (state: RunState, context: LineContext, focusId: string | undefined, budget: number): Line[] => {
	const current = currentPhase(state);
	const rollbackActive = Boolean(state.rollback?.active);
	const ordinary = state.phases;
	const currentIndex = current && !rollbackActive ? ordinary.indexOf(current) : ordinary.length;
	const before = ordinary.slice(0, currentIndex);
	const after = ordinary.slice(currentIndex + (rollbackActive ? 0 : 1));
	const blocks = current ? current.steps.map((_, index) => stepBlock(current, index, true, context)) : [];
	const focusIndex = current ? Math.max(0, current.steps.findIndex((step) => step.id === focusId)) : 0;
	const title = current ? [phaseLine(current, true)] : [];
	const listed = (phases: PhaseState[]) => phases.map((phase) => phaseLine(phase, false));
	const folded = (key: string, phases: PhaseState[]) => {
		const line = phasesSummaryLine(key, phases);
		return line ? [line] : [];
	};
	// Rollback comes after every release phase; the release phases above it stay as they were.
	const arrange = (top: Line[], steps: Line[], bottom: Line[]) =>
		rollbackActive ? [...top, ...bottom, ...title, ...steps] : [...top, ...title, ...steps, ...bottom];

	const all = flatten(blocks, () => true);
	const candidates = [
		arrange(listed(before), all, listed(after)),
		arrange(folded('done', before), all, folded('later', after)),
		arrange(folded('done', before), flatten(blocks, (index) => index === focusIndex), folded('later', after)),
	];
	for (const lines of candidates) if (lines.length <= budget) return lines;

	// A window of steps around the focus, with markers for what is hidden.
	const top = folded('done', before);
	const bottom = folded('later', after);
	const focusBlock = blocks[focusIndex];
	const room = budget - top.length - bottom.length - title.length;
	if (!focusBlock || room < 1) return [...title, ...(focusBlock ? [focusBlock.main] : [])].slice(0, Math.max(0, budget));
	const focusLines = [focusBlock.main, ...focusBlock.details].slice(0, room);
	let from = focusIndex;
	let to = focusIndex + 1;
	const shown = () => focusLines.length + (to - from - 1) + (from > 0 ? 1 : 0) + (to < blocks.length ? 1 : 0);
	// Grow the window one step at a time, alternating below and above, while it fits.
	for (let grew = true; grew; ) {
		grew = false;
		if (to < blocks.length) {
			to += 1;
			if (shown() <= room) grew = true;
			else to -= 1;
		}
		if (from > 0) {
			from -= 1;
			if (shown() <= room) grew = true;
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
): ScreenPlan => {
	// One row stays free: output as tall as the terminal makes Ink clear and redraw the whole screen.
	const usable = Math.max(1, size.rows - 1);
	const headerLines = usable >= 12 ? 2 : 1;
	const body = Math.max(0, usable - headerLines - footerLines);
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
	const phaseLines = fitPhases(state, context, focus?.step.id, body - reserve);
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
