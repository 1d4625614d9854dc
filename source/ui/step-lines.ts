import {formatDuration, parseDuration} from '../runbook/duration.js';
import {isAutomated, type Step} from '../runbook/schema.js';
import {displayStatus, isFailingGate} from '../engine/select.js';
import {shareAtWeight} from '../engine/share-gate.js';
import type {PhaseState, RunState, StepState} from '../engine/state.js';
import {REDACTED} from '../adapters/redactor.js';
import {sparkline, verdictText} from './gate-evidence.js';
import type {ChecklistRole} from './store.js';
import {STATUS_WORD_WIDTH, statusLook} from './status-look.js';
import type {Tone} from './theme.js';

/**
 * One terminal line of the checklist. Lines are truncated, never wrapped, so heights stay exact.
 * `gutter` comes before the spinner (the cursor's column); `selected` marks the line under the cursor.
 */
export type Line = {key: string; text: string; tone?: Tone; spinner?: boolean; gutter?: string; selected?: boolean};

/** True when two lines draw the same: an unchanged line is not drawn again. */
export const sameLine = (a: Line, b: Line): boolean =>
	a.key === b.key && a.text === b.text && a.tone === b.tone && a.spinner === b.spinner && a.gutter === b.gutter && a.selected === b.selected;

export const sameLines = (a: readonly Line[], b: readonly Line[]): boolean =>
	a === b || (a.length === b.length && a.every((line, index) => sameLine(line, b[index]!)));

const TAB_WIDTH = 8;

/** Tabs as the spaces a terminal would show, so a line's width is what Ink measures. */
export const expandTabs = (text: string): string => {
	if (!text.includes('\t')) return text;
	let column = 0;
	let result = '';
	for (const character of text) {
		if (character === '\t') {
			const spaces = TAB_WIDTH - (column % TAB_WIDTH);
			result += ' '.repeat(spaces);
			column += spaces;
		} else {
			result += character;
			column += 1;
		}
	}
	return result;
};

/**
 * A running check spins (ink-spinner, a frame every 80 ms) for its first seconds: most checks are
 * done by then. A longer wait (a deploy, a watch, a bake) steps its sign once a second instead, with
 * the elapsed time beside it, so minutes of waiting cost a frame a second and not twelve. A watch or
 * a traffic step is a long wait from its start (it lasts its duration): it never spins.
 */
export const SPIN_MS = 3000;

const timedWait = (step: Step): boolean => step.kind === 'watch' || step.kind === 'traffic';
/** ink-spinner's "dots", stepped by the clock. */
const STEPPED_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export const steppedFrame = (now: number): string => STEPPED_FRAMES[Math.floor(now / 1000) % STEPPED_FRAMES.length]!;

export type LineContext = {
	state: RunState;
	now: number;
	speed: number;
	role: ChecklistRole;
	/** Terminal width, so captured values can be cut to fit; unbounded when absent. */
	columns?: number;
};

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
		const share = shareAtWeight(step);
		const measured = share === undefined ? '' : share.insufficient ? ' · measuring' : ` · measured ${share.value === null ? '?' : `${Math.round(share.value)} %`}`;
		parts.push(`weight ${step.weight} %${index >= 0 ? ` (${index + 1}/${step.step.weights.length})` : ''}${measured}`);
	}
	const left = remainingBakeMs(step, context.now, context.speed);
	// Past the planned bake a gate still lacks observations: the step waits for them, up to its limit.
	if (step.status === 'running' && step.gates.some((gate) => gate.extended && !gate.holds)) parts.push('bake extended: waiting for evidence');
	else if (left !== undefined) parts.push(`${formatDuration(left)} bake left`);
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
	};
	const busy = status === 'running' && isAutomated(step.step);
	if (busy && !timedWait(step.step) && step.startedAt !== undefined && context.now - step.startedAt < SPIN_MS) main.spinner = true;
	else main.text = `${busy ? steppedFrame(context.now) : look.icon}${main.text}`;
	const captured = capturedLine(`${key}#captured`, step, context);
	if (!current) return {main, details: captured ? [captured] : []};
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
		if (step.reason) details.push({key: `${key}#reason`, text: `${DETAIL}${step.reason}`, tone: 'warn'});
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
	if (captured) details.push(captured);
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
export const phaseLine = (phase: PhaseState, current: boolean, unverified: readonly string[] = []): Line => {
	// A pair known by its name only (a rehearsal) is marked wherever its confirmation shows.
	const who = phase.confirmations.map((name) => (unverified.includes(name) ? `${name} (not verified)` : name)).join(', ');
	if (phase.confirmed) {
		return {key: phase.id, text: `✓ ${phase.title}  confirmed by ${who}`, tone: 'good'};
	}
	if (current) {
		const pair =
			phase.confirm === 'pair'
				? phase.confirmations.length > 0
					? `  four eyes: confirmed by ${who}, needs a second operator`
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

/** A captured value as the row shows it: secrets never; a list with its count first. */
const shownValue = (name: string, value: string, step: StepState, state: RunState): string => {
	if (step.step.secret || state.secretVariables.includes(name)) return REDACTED;
	const items = value.split(',').filter((item) => item.trim() !== '');
	return items.length > 1 ? `(${items.length}) ${value}` : value;
};

const MIN_VALUE_WIDTH = 8;

/**
 * Values cut to fit the width, names never: single values (an image) get their whole length first,
 * lists (machine ids, shown with their count) what is left; every value keeps at least a few characters.
 */
export const capturedText = (entries: ReadonlyArray<[string, string]>, width: number): string => {
	const whole = entries.map(([name, value]) => `${name} ${value}`).join(' · ');
	if (whole.length <= width) return whole;
	const fixed = entries.reduce((sum, [name]) => sum + name.length + 1, 0) + (entries.length - 1) * 3;
	let left = Math.max(0, width - fixed);
	const isList = (value: string) => value.startsWith('(');
	const order = entries.map((entry, index) => ({index, value: entry[1]})).sort((a, b) => Number(isList(a.value)) - Number(isList(b.value)));
	const widths = new Map<number, number>();
	order.forEach(({index, value}, position) => {
		const later = order.length - position - 1;
		const given = Math.max(MIN_VALUE_WIDTH, Math.min(value.length, left - later * MIN_VALUE_WIDTH));
		widths.set(index, given);
		left = Math.max(0, left - given);
	});
	return entries
		.map(([name, value], index) => {
			const room = widths.get(index) ?? MIN_VALUE_WIDTH;
			return `${name} ${value.length > room ? `${value.slice(0, room - 1)}…` : value}`;
		})
		.join(' · ');
};

const CAPTURED_PREFIX = '→ ';

/** What finished steps captured, in one dim line: the evidence for a rollback stays in view. */
const capturedEntries = (steps: readonly StepState[], state: RunState): Array<[string, string]> =>
	steps
		.filter((step) => step.status === 'passed' || step.status === 'overridden')
		.flatMap((step) => Object.entries(step.captured).map(([name, value]): [string, string] => [name, shownValue(name, value, step, state)]));

const capturedLineOf = (key: string, indent: string, entries: Array<[string, string]>, context: LineContext): Line | undefined => {
	if (entries.length === 0) return undefined;
	const width = (context.columns ?? Number.POSITIVE_INFINITY) - indent.length - CAPTURED_PREFIX.length;
	return {key, text: `${indent}${CAPTURED_PREFIX}${capturedText(entries, width)}`, tone: 'muted'};
};

/** The line under a finished step's row with what it captured; none when it captured nothing. */
export const capturedLine = (key: string, step: StepState, context: LineContext): Line | undefined =>
	capturedLineOf(key, DETAIL, capturedEntries([step], context.state), context);

/** The same for a folded phase: every capture of its steps under its one line. */
export const phaseCapturedLine = (phase: PhaseState, context: LineContext): Line | undefined =>
	capturedLineOf(`${phase.id}#captured`, '  ', capturedEntries(phase.steps, context.state), context);
