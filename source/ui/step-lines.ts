import {formatDuration, parseDuration} from '../runbook/duration.js';
import {isAutomated} from '../runbook/schema.js';
import {displayStatus, isFailingGate} from '../engine/select.js';
import type {PhaseState, RunState, StepState} from '../engine/state.js';
import {sparkline, verdictText} from './gate-evidence.js';
import type {ChecklistRole} from './store.js';
import {STATUS_WORD_WIDTH, statusLook} from './status-look.js';
import type {Tone} from './theme.js';

/** One terminal line of the checklist. Lines are truncated, never wrapped, so heights stay exact. */
export type Line = {key: string; text: string; tone?: Tone; spinner?: boolean};

export type LineContext = {state: RunState; now: number; speed: number; role: ChecklistRole};

const DETAIL = '      ';

/** Bake time still to go: the watch's duration, or this weight's bake plus the weights after it, divided by the speed. */
export const remainingBakeMs = (step: StepState, now: number, speed: number): number | undefined => {
	if (step.status !== 'running' || step.startedAt === undefined) return undefined;
	if (step.step.kind === 'watch') return Math.max(0, parseDuration(step.step.duration) / speed - (now - step.startedAt));
	if (step.step.kind !== 'traffic') return undefined;
	const bake = parseDuration(step.step.bake) / speed;
	const index = step.weight === undefined ? -1 : step.step.weights.indexOf(step.weight);
	if (index === -1 || step.weightSince === undefined) return bake * step.step.weights.length;
	const later = step.step.weights.length - index - 1;
	return Math.max(0, bake - (now - step.weightSince)) + later * bake;
};

const rowSuffix = (step: StepState, current: boolean, now: number): string => {
	if (step.status === 'running' && step.kind !== 'link' && step.startedAt !== undefined) {
		return `  ${formatDuration(now - step.startedAt)}`;
	}
	if (step.kind === 'link' && step.items.length > 0) {
		const ticked = step.items.filter((item) => item.ticked).length;
		return `  ${ticked}/${step.items.length}${current && step.status !== 'passed' ? ' — Space to tick the next' : ''}`;
	}
	if (step.kind === 'manual') {
		if (step.status === 'passed') return step.tickedBy ? `  (${step.tickedBy})` : '';
		return current ? '  — Space to tick' : '';
	}
	if (step.durationMs !== undefined && step.status !== 'pending') return `  ${formatDuration(step.durationMs)}`;
	return '';
};

/** The evidence line of a watch or traffic step: weight, bake time left, sparkline, latest verdict. */
const evidenceLine = (step: StepState, context: LineContext): string | undefined => {
	if (step.gates.length === 0 && step.weight === undefined) return undefined;
	if (step.status === 'pending') return undefined;
	const parts: string[] = [];
	if (step.step.kind === 'traffic' && step.weight !== undefined) {
		const index = step.step.weights.indexOf(step.weight);
		parts.push(`weight ${step.weight}%${index >= 0 ? ` (${index + 1}/${step.step.weights.length})` : ''}`);
	}
	const left = remainingBakeMs(step, context.now, context.speed);
	if (left !== undefined) parts.push(`${formatDuration(left)} bake left`);
	// The gate that fails (or cannot be read) is the evidence to show; else the first one.
	const first = step.gates.find(isFailingGate) ?? step.gates[0];
	if (first) {
		const spark = sparkline(first.green);
		const metric = context.state.metrics[first.metric];
		parts.push(`${first.metric} ${spark ? `${spark} ` : ''}${verdictText(first, metric).text}`);
	}
	return parts.length > 0 ? parts.join(' · ') : undefined;
};

export type StepBlock = {main: Line; details: Line[]};

/** A step's row (icon and word) and, in the current phase, the lines that explain it. */
export const stepBlock = (phase: PhaseState, index: number, current: boolean, context: LineContext): StepBlock => {
	const step = phase.steps[index]!;
	const status = displayStatus(phase, index);
	const look = statusLook[status];
	const key = `${phase.id}/${step.id}`;
	const main: Line = {
		key,
		// Space is the driver's key: the pair's rows do not offer it.
		text: ` ${look.word.padEnd(STATUS_WORD_WIDTH)}  ${step.title}${rowSuffix(step, current && context.role === 'driver', context.now)}`,
		tone: look.tone,
		spinner: status === 'running' && isAutomated(step.step),
	};
	if (!main.spinner) main.text = `${look.icon}${main.text}`;
	if (!current) return {main, details: []};
	const details: Line[] = [];
	const evidence = evidenceLine(step, context);
	if (evidence) details.push({key: `${key}#evidence`, text: `${DETAIL}${evidence}`, tone: 'plain'});
	if (step.status === 'failed' && step.reason) {
		details.push({key: `${key}#reason`, text: `${DETAIL}${step.reason}`, tone: 'bad'});
	}
	if (step.status === 'failed' && context.role === 'driver') {
		// A failing check offers its ways out right where the operator looks.
		details.push({key: `${key}#choices`, text: `${DETAIL}t retry · r roll back · o break-glass override`, tone: 'warn'});
	}
	if (step.status === 'unknown') {
		details.push({
			key: `${key}#unknown`,
			text:
				context.role === 'driver'
					? `${DETAIL}outcome unknown — R re-run · D mark done · F mark failed`
					: `${DETAIL}outcome unknown — the driver decides`,
			tone: 'warn',
		});
	}
	if (step.status === 'overridden' && step.override) {
		details.push({
			key: `${key}#override`,
			text: `${DETAIL}break-glass by ${step.override.operator}: ${step.override.reason}`,
			tone: 'warn',
		});
	}
	if (step.kind === 'link' && step.status !== 'passed') {
		step.items.forEach((item, itemIndex) =>
			details.push({
				key: `${key}#item${itemIndex}`,
				text: `${DETAIL}${item.ticked ? '✓' : '○'} ${item.title}${item.by ? `  (${item.by})` : ''}`,
				tone: item.ticked ? 'good' : 'muted',
			}),
		);
	}
	return {main, details};
};

/** A phase on one line: confirmed with who confirmed, current, or pending. */
export const phaseLine = (phase: PhaseState, current: boolean): Line => {
	if (phase.confirmed) {
		return {key: phase.id, text: `✓ ${phase.title}  confirmed by ${phase.confirmations.join(', ')}`, tone: 'good'};
	}
	if (current) {
		const pair =
			phase.confirm === 'pair'
				? phase.confirmations.length > 0
					? `  four eyes: confirmed by ${phase.confirmations.join(', ')}, needs a second operator`
					: '  four eyes: two operators confirm'
				: '';
		return {key: phase.id, text: `▶ ${phase.title}${pair}`, tone: 'strong'};
	}
	return {key: phase.id, text: `○ ${phase.title}`, tone: 'muted'};
};

/** Several phases on one line, when the screen is too small to list them. */
export const phasesSummaryLine = (key: string, phases: PhaseState[]): Line | undefined => {
	if (phases.length === 0) return undefined;
	const confirmed = phases.every((phase) => phase.confirmed);
	const titles = phases.map((phase) => phase.title).join(', ');
	return confirmed
		? {key, text: `✓ ${phases.length} phase${phases.length === 1 ? '' : 's'} confirmed: ${titles}`, tone: 'good'}
		: {key, text: `○ ${phases.length} more phase${phases.length === 1 ? '' : 's'}: ${titles}`, tone: 'muted'};
};
