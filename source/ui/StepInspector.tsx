import path from 'node:path';
import {Box, Text} from 'ink';
import {memo, useContext, useMemo} from 'react';
import type {GateHistory} from '../engine/step-detail.js';
import {printableLine} from '../engine/printable.js';
import {logTop, type LogScroll, type LogSearchState} from './checklist-keys.js';
import {GateChart} from './GateChart.js';
import {chartPlotter, chartText, type ChartLayout, type MetricInfo, type Plot} from './gate-evidence.js';
import {DETAIL_SIDE_WIDTH, historyAsGate, type InspectorPlan} from './inspect-plan.js';
import {LineView} from './LineView.js';
import {expandTabs} from './step-lines.js';
import {ColourContext, useTone} from './theme.js';
import type {StepLog} from './use-step-log.js';

export type StepInspectorProps = {
	plan: InspectorPlan;
	log: StepLog;
	scroll: LogScroll;
	search: LogSearchState;
	columns: number;
	metrics: Record<string, MetricInfo>;
	plot?: Plot;
};

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A line cut into pieces that match the search (not case-sensitive) and pieces that do not. */
export const matchPieces = (text: string, query: string | undefined): Array<{text: string; match: boolean}> => {
	if (!query) return [{text, match: false}];
	const pieces: Array<{text: string; match: boolean}> = [];
	let last = 0;
	for (const found of text.matchAll(new RegExp(escapeRegExp(query), 'gi'))) {
		if (found.index > last) pieces.push({text: text.slice(last, found.index), match: false});
		pieces.push({text: found[0], match: true});
		last = found.index + found[0].length;
	}
	if (last < text.length) pieces.push({text: text.slice(last), match: false});
	return pieces.length > 0 ? pieces : [{text, match: false}];
};

/** Drawn in the gutter of the line the search found; without colour it is the highlight. */
export const MATCH_MARK = '▶';

type LogLineProps = {number: number; width: number; text: string; query?: string; current: boolean};

/** One line of a log: its number, the match mark, the text made printable, matches in reverse video. */
const LogLine = memo(({number, width, text, query, current}: LogLineProps) => {
	const colour = useContext(ColourContext);
	const pieces = matchPieces(expandTabs(printableLine(text)), query);
	return (
		<Text wrap="truncate-end">
			<Text {...(colour ? {color: 'gray'} : {})}>{String(number).padStart(width)}</Text>
			{current ? MATCH_MARK : ' '}{' '}
			{pieces.map((piece, index) =>
				piece.match && colour ? (
					<Text key={index} inverse>
						{piece.text}
					</Text>
				) : (
					piece.text
				),
			)}
		</Text>
	);
});

/** The log's title line: which file, which lines of how many, following or where the search stands. */
export const logTitle = (options: {
	file?: string;
	total: number;
	top: number;
	shown: number;
	following: boolean;
	indexing: boolean;
	search: LogSearchState;
}): string => {
	const {file, total, top, shown, following, indexing, search} = options;
	// logs/<phase>.<step>.log: where it lives in the session folder.
	const name = file ? path.join(path.basename(path.dirname(file)), path.basename(file)) : 'no log';
	const parts = [`── log ${name}`];
	if (total === 0) parts.push(indexing ? 'reading…' : 'no output yet');
	else parts.push(`lines ${shown === 0 ? top : top + 1}–${top + shown} of ${total}${indexing ? '+ (reading…)' : ''}`);
	if (following) parts.push('following');
	if (search.query) parts.push(search.match === undefined ? `/${search.query}` : `/${search.query}: line ${search.match + 1}`);
	return parts.join(' · ');
};

type HistoryChartProps = ChartLayout & {history: GateHistory; metric: MetricInfo | undefined; plot?: Plot};

/** Every sample of a gate on one chart, squeezed to the chart's columns once per history and width. */
const HistoryChart = ({history, metric, plot, ...layout}: HistoryChartProps) => {
	const gate = useMemo(() => historyAsGate(history, Math.max(2, layout.width - 10)), [history, layout.width]);
	const plotted = useMemo(() => chartPlotter(plot), [plot]);
	return <GateChart {...chartText(gate, metric, layout, (input) => plotted('history', input))} />;
};

/** A step's detail: the facts and gate histories the plan fits in, then its full log from the file. */
export const StepInspector = ({plan, log, scroll, search, columns, metrics, plot}: StepInspectorProps) => {
	const tone = useTone();
	const colour = useContext(ColourContext);
	const top = logTop(scroll, {total: log.total, rows: plan.logRows});
	const {view, version} = log;
	// Read again when the log grew (version), was scrolled or got more rows.
	const lines = useMemo(() => (view && plan.logRows > 0 ? view.lines(top, plan.logRows) : []), [view, version, top, plan.logRows]);
	const width = String(Math.max(1, log.total)).length;
	const sideWidth = Math.min(DETAIL_SIDE_WIDTH, Math.floor(columns / 3));
	const chartWidth = Math.max(10, columns - sideWidth - 1);
	return (
		<Box flexDirection="column" width={columns}>
			{plan.info.map((row) =>
				row.kind === 'line' ? (
					<LineView key={row.line.key} line={row.line} />
				) : (
					<HistoryChart
						key={`chart${row.gate.index}`}
						history={row.gate}
						metric={metrics[row.gate.metric]}
						height={row.height}
						width={chartWidth}
						sideWidth={sideWidth}
						colour={colour}
						{...(plot ? {plot} : {})}
					/>
				),
			)}
			{plan.logTitle ? (
				<Text wrap="truncate-end" {...tone('muted')}>
					{logTitle({
						...(log.file ? {file: log.file} : {}),
						total: log.total,
						top,
						shown: lines.length,
						following: scroll.follow,
						indexing: log.indexing,
						search,
					})}
				</Text>
			) : null}
			{lines.map((text, index) => (
				<LogLine
					key={top + index}
					number={top + index + 1}
					width={width}
					text={text}
					{...(search.query ? {query: search.query} : {})}
					current={search.match === top + index}
				/>
			))}
		</Box>
	);
};
