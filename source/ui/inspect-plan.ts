import {REDACTED} from '../adapters/redactor.js';
import {formatValue} from '../engine/gate.js';
import type {AttemptDetail, ExpectationVerdict, GateHistory, GateSample, StepDetail} from '../engine/step-detail.js';
import type {GateState, SeriesPoint} from '../engine/state.js';
import {formatDuration, parseDuration} from '../runbook/duration.js';
import {statusLook} from './status-look.js';
import type {Line} from './step-lines.js';
import type {Tone} from './theme.js';

// What the detail view of a step shows, planned within the rows it has: the facts first (title,
// command, result, captures, expectations), then a chart per gate over the whole history where
// there is room (a verdict line where there is not), and the rest for the log. Pure, like planScreen.

/** The log keeps at least its title and this many lines below the detail. */
export const LOG_MIN_LINES = 3;
const CHART_MIN_HEIGHT = 5;
const CHART_MAX_HEIGHT = 8;
/** Columns kept beside a chart for the metric's title, verdict and values. */
export const DETAIL_SIDE_WIDTH = 30;
const LABEL_WIDTH = 9;

export type InfoRow = {kind: 'line'; line: Line} | {kind: 'chart'; gate: GateHistory; height: number};

/** `logTitle`: there is a row for the log's title line; `logRows`: lines of the log below it. */
export type InspectorPlan = {info: InfoRow[]; logTitle: boolean; logRows: number};

const label = (name: string): string => name.padEnd(LABEL_WIDTH);

const withUnit = (value: number | null | undefined, unit: string | undefined): string =>
	value === null || value === undefined || !Number.isFinite(value) ? 'no data' : `${formatValue(value)}${unit ? ` ${unit}` : ''}`;

const outcomeText = (attempt: AttemptDetail, now: number | undefined): string => {
	const look = statusLook[attempt.status];
	const running = attempt.status === 'running' && now !== undefined ? ` for ${formatDuration(now - attempt.startedAt)}` : '';
	const parts = [`${look.icon} ${look.word}${running}`];
	if (attempt.exitCode !== undefined) parts.push(attempt.exitCode === null ? 'no exit code (killed)' : `exit code ${attempt.exitCode}`);
	if (attempt.durationMs !== undefined) parts.push(formatMs(attempt.durationMs));
	return parts.join(' · ');
};

/** Short times to the millisecond (a command's 415 ms matters), longer ones as the checklist shows them. */
const formatMs = (ms: number): string => (ms < 1000 ? `${Math.round(ms)} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : formatDuration(ms));

const expectationMark: Record<ExpectationVerdict, {mark: string; tone: Tone}> = {
	matched: {mark: '✓', tone: 'good'},
	failed: {mark: '✗', tone: 'bad'},
	'not checked': {mark: '· not checked:', tone: 'muted'},
	pending: {mark: '…', tone: 'muted'},
};

const verdictMark = {pass: '✓', fail: '✗', unknown: '?', pending: '…'} as const;

/** A secret's value is never shown, whatever the journal holds. */
const shownCapture = (value: string | undefined, secret: boolean): string =>
	value === undefined ? 'not captured yet' : secret ? REDACTED : value;

/** How each weight of a traffic step went for one gate: "10% ✓ 49.9 ms (5) · 25% ✗ 490 ms (3, 3 failed)". */
const weightsText = (gate: GateHistory): string =>
	gate.weights
		.map((weight) => {
			if (weight.samples === 0) return `${weight.weight}% …`;
			const failed = weight.failed > 0 ? `, ${weight.failed} failed` : '';
			const unknown = weight.unknown > 0 ? `, ${weight.unknown} unknown` : '';
			return `${weight.weight}% ${verdictMark[weight.verdict]} ${withUnit(weight.last?.value, gate.unit)} (${weight.samples}${failed}${unknown})`;
		})
		.join(' · ');

/** The verdict line of a gate without a chart: its last sample, how many, the bound. */
const gateLine = (gate: GateHistory): Line => {
	const last = gate.green.at(-1);
	const verdict = last ? `${verdictMark[last.verdict]} ${last.verdict}${last.reason ? ` ${last.reason}` : ` ${withUnit(last.value, gate.unit)}`}` : '… no sample';
	const blue = gate.blue.at(-1);
	return {
		key: `gate${gate.index}`,
		text: `${label('gate')}${gate.title}: ${verdict} · ${gate.green.length} samples · limit ${gate.threshold}${blue ? ` · blue ${withUnit(blue.value, gate.unit)}` : ''}`,
		tone: last?.verdict === 'pass' ? 'good' : last ? (last.verdict === 'fail' ? 'bad' : 'warn') : 'muted',
	};
};

/** What the facts depend on besides the step: the clock (a running step's time) and the rehearsal speed. */
export type DetailOptions = {now?: number; speed?: number; columns?: number};

/** How many lines a fact may take when it is wider than the screen: the command most of all. */
const WRAPPED: Array<[RegExp, number]> = [
	[/^(run|request)$/, 4],
	[/^captured-/, 3],
	[/^(reason|override)/, 3],
	[/^description$/, 2],
];

/**
 * A fact wider than the screen goes on over the next lines, under its value (breaking at a space
 * where one is near), up to its share of lines; the last one ends in "…" if even that is not enough.
 */
export const wrapFact = (line: Line, columns: number, most: number): Line[] => {
	const room = columns - LABEL_WIDTH;
	if (line.text.length <= columns || room < 10 || most < 2) return [line];
	const lines: Line[] = [];
	let rest = line.text;
	let width = columns;
	while (rest.length > 0 && lines.length < most) {
		const last = lines.length === most - 1;
		let piece = rest;
		if (rest.length > width) {
			const space = rest.lastIndexOf(' ', width);
			const cut = space > width / 2 ? space : width;
			piece = last ? `${rest.slice(0, width - 1)}…` : rest.slice(0, cut);
			rest = last ? '' : rest.slice(cut).replace(/^ /, '');
		} else {
			rest = '';
		}
		lines.push({...line, key: lines.length === 0 ? line.key : `${line.key}~${lines.length}`, text: lines.length === 0 ? piece : `${label('')}${piece}`});
		width = room;
	}
	return lines;
};

/** A duration of the runbook as the run lives it: "5m (5s at speed 60)". */
const atSpeed = (duration: string, speed: number): string =>
	speed === 1 ? duration : `${duration} (${formatMs(parseDuration(duration) / speed)} at speed ${speed})`;

/** The lines of facts about a step, before its gates and its log. */
export const detailLines = (detail: StepDetail, options: DetailOptions = {}): Line[] => {
	const speed = options.speed ?? 1;
	const {step} = detail;
	const look = statusLook[detail.status];
	const lines: Line[] = [
		{key: 'title', text: `${look.icon} ${look.word}  ${step.title}`, tone: look.tone},
		{key: 'where', text: `${label('phase')}${detail.phase.title} · ${step.kind} step${detail.target ? ` · target ${detail.target}` : ''}`, tone: 'muted'},
	];
	if (step.step.description) lines.push({key: 'description', text: `${label('')}${step.step.description}`, tone: 'plain'});
	if (detail.command) {
		const {command} = detail;
		// Not run yet: what it will run with the values known now (the rollback's, with blue's image).
		const name = command.source === 'planned' ? 'will run' : command.shell ? 'run (sh)' : 'run';
		const note = command.source === 'as written' ? '  (as the runbook writes it: this journal does not record commands)' : '';
		const perWeight = step.step.kind === 'traffic' ? `  (each of ${step.step.weights.join('/')}%)` : '';
		lines.push({key: 'run', text: `${label(name)}${command.text}${perWeight}${note}`, tone: 'plain'});
	}
	if (detail.request) lines.push({key: 'request', text: `${label('request')}${detail.request.method} ${detail.request.url}`, tone: 'plain'});
	if (step.step.kind === 'watch') {
		lines.push({key: 'watch', text: `${label('watch')}${atSpeed(step.step.duration, speed)}, a sample every ${atSpeed(step.step.interval ?? '5s', speed)}`, tone: 'plain'});
	}
	if (step.step.kind === 'traffic') {
		lines.push({key: 'weights', text: `${label('weights')}${step.step.weights.join('% → ')}% on green, each baked ${atSpeed(step.step.bake, speed)}`, tone: 'plain'});
	}
	lines.push(...resultLines(detail, options.now));
	for (const capture of detail.captured) {
		lines.push({
			key: `captured-${capture.name}`,
			text: `${label('captured')}${capture.name} = ${shownCapture(capture.value, capture.secret)}${capture.from ? `  (${capture.from})` : ''}`,
			tone: capture.value === undefined ? 'muted' : 'plain',
		});
	}
	detail.expectations.forEach((expectation, index) => {
		const look = expectationMark[expectation.verdict];
		lines.push({key: `expect${index}`, text: `${label('expect')}${look.mark} ${expectation.text}`, tone: look.tone});
	});
	detail.items.forEach((item, index) => {
		lines.push({
			key: `item${index}`,
			text: `${label(index === 0 ? 'checklist' : '')}${item.ticked ? '✓' : '○'} ${item.title}${item.by ? `  (${item.by})` : ''}`,
			tone: item.ticked ? 'good' : 'muted',
		});
	});
	if (step.override) {
		lines.push({key: 'override', text: `${label('override')}break-glass by ${step.override.operator}: ${step.override.reason}`, tone: 'warn'});
	}
	const columns = options.columns;
	if (columns === undefined) return lines;
	return lines.flatMap((line) => wrapFact(line, columns, WRAPPED.find(([pattern]) => pattern.test(line.key))?.[1] ?? 1));
};

const resultLines = (detail: StepDetail, now: number | undefined): Line[] => {
	const {step, attempts} = detail;
	const latest = attempts.at(-1);
	if (!latest) {
		if (step.kind === 'manual') {
			const text = step.status === 'passed' ? `✓ ticked${step.tickedBy ? ` by ${step.tickedBy}` : ''}` : 'waits for the operator (Space)';
			return [{key: 'result', text: `${label('result')}${text}`, tone: step.status === 'passed' ? 'good' : 'muted'}];
		}
		if (step.kind === 'link') {
			const ticked = step.items.filter((item) => item.ticked).length;
			return [{key: 'result', text: `${label('result')}${ticked}/${step.items.length} ticked`, tone: ticked === step.items.length ? 'good' : 'muted'}];
		}
		return [{key: 'result', text: `${label('result')}${detail.status === 'blocked' ? 'blocked by a failed step before it' : 'not run yet'}`, tone: 'muted'}];
	}
	const lines: Line[] = [];
	const many = attempts.length > 1;
	for (const attempt of attempts) {
		const look = statusLook[attempt.status];
		lines.push({key: `attempt${attempt.attempt}-${lines.length}`, text: `${label(many ? `attempt ${attempt.attempt}` : 'result')}${outcomeText(attempt, now)}`, tone: look.tone});
		if (attempt.reason) lines.push({key: `reason${attempt.attempt}-${lines.length}`, text: `${label('')}${attempt.reason}`, tone: attempt.status === 'passed' ? 'muted' : look.tone});
	}
	return lines;
};

/**
 * A series cut to `points` buckets for a chart as wide as the screen: each bucket keeps its worst
 * value (the highest for an upper bound, the lowest for a lower one), so no spike is averaged away.
 */
export const downsample = (series: readonly SeriesPoint[], points: number, lowerIsWorse = false): SeriesPoint[] => {
	if (series.length <= points || points < 1) return [...series];
	const result: SeriesPoint[] = [];
	for (let bucket = 0; bucket < points; bucket += 1) {
		const from = Math.floor((bucket * series.length) / points);
		const to = Math.floor(((bucket + 1) * series.length) / points);
		let worst: SeriesPoint | undefined;
		for (const point of series.slice(from, to)) {
			if (point.value === null || !Number.isFinite(point.value)) continue;
			if (!worst || worst.value === null || (lowerIsWorse ? point.value < worst.value : point.value > worst.value)) worst = point;
		}
		result.push(worst ?? {ts: series[to - 1]!.ts, value: null});
	}
	return result;
};

/** A gate's whole history as the chart component draws a gate: every sample, squeezed to `points` columns. */
export const historyAsGate = (history: GateHistory, points: number): GateState => {
	const lowerIsWorse = history.gate.max === undefined && history.gate.min !== undefined;
	const last: GateSample | undefined = history.green.at(-1);
	return {
		gate: history.gate,
		metric: history.metric,
		green: downsample(history.green, points, lowerIsWorse),
		blue: downsample(history.blue, points, lowerIsWorse),
		lastVerdict: last?.verdict ?? 'pending',
		lastValue: last?.value ?? null,
		lastBlue: history.blue.at(-1)?.value ?? null,
		threshold: history.threshold,
		...(last?.reason ? {reason: last.reason} : {}),
		streak: 0,
		holds: false,
	};
};

/**
 * The detail view within `rows`: facts, then gates (charts while they fit, else a line each), the
 * rest for the log. `maximised`: the log takes everything below the step's title.
 */
export const planInspector = (
	detail: StepDetail,
	rows: number,
	maximised: boolean,
	options: DetailOptions & {charts?: boolean} = {},
): InspectorPlan => {
	const facts = detailLines(detail, options);
	const chartsAllowed = options.charts ?? true;
	// A manual step or a linked checklist is ticked, not run: it has no log to show.
	if (detail.step.kind === 'manual' || detail.step.kind === 'link') {
		const lines = [...facts, {key: 'no-log', text: `${label('log')}none: this step is ticked by an operator, not run`, tone: 'muted' as Tone}];
		return {info: lines.slice(0, Math.max(0, rows)).map((line) => ({kind: 'line', line})), logTitle: false, logRows: 0};
	}
	if (maximised) {
		const info: InfoRow[] = facts.slice(0, Math.min(1, rows)).map((line) => ({kind: 'line', line}));
		return {info, logTitle: rows > info.length, logRows: Math.max(0, rows - info.length - 1)};
	}
	// A gate whose last sample did not pass is what to see first: it gets the first chart.
	const failing = (gate: GateHistory) => (gate.green.length > 0 && gate.green.at(-1)!.verdict !== 'pass' ? 0 : 1);
	const gates = [...detail.gates].sort((a, b) => failing(a) - failing(b) || a.index - b.index);
	const weightLines = gates.filter((gate) => gate.weights.length > 0).length;
	const logShare = Math.min(LOG_MIN_LINES + 1, Math.max(0, rows - 2));
	const room = Math.max(0, rows - logShare);
	// Gates without a chart take a verdict line each; the facts give way first to a "more" line.
	const gateLines = gates.length + weightLines;
	const factsShown = facts.length + gateLines > room ? Math.max(1, room - gateLines - 1) : facts.length;
	const factRows = factsShown + (factsShown < facts.length ? 1 : 0);
	let charts = chartsAllowed ? gates.length : 0;
	while (charts > 0 && factRows + weightLines + charts * CHART_MIN_HEIGHT + (gates.length - charts) > room) charts -= 1;
	const height = charts > 0 ? Math.min(CHART_MAX_HEIGHT, Math.floor((room - factRows - weightLines - (gates.length - charts)) / charts)) : 0;
	const info: InfoRow[] = facts.slice(0, factsShown).map((line) => ({kind: 'line', line}));
	if (factsShown < facts.length) {
		info.push({kind: 'line', line: {key: 'more', text: `${label('')}⋯ ${facts.length - factsShown} more lines: a taller terminal shows them`, tone: 'muted'}});
	}
	const used = () => info.reduce((sum, row) => sum + (row.kind === 'chart' ? row.height : 1), 0);
	gates.forEach((gate, index) => {
		if (index < charts) info.push({kind: 'chart', gate, height});
		else if (used() < room) info.push({kind: 'line', line: gateLine(gate)});
		if (gate.weights.length > 0 && used() < room) {
			info.push({kind: 'line', line: {key: `weights${gate.index}`, text: `${label('')}${weightsText(gate)}`, tone: 'plain'}});
		}
	});
	return {info, logTitle: rows > used(), logRows: Math.max(0, rows - used() - 1)};
};
