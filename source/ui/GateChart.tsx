import {Box, Text} from 'ink';
import {memo, useMemo} from 'react';
import type {GateState} from '../engine/state.js';
import {gateSummary, plotGateChart, type MetricInfo, type Plot} from './gate-evidence.js';
import {useTone} from './theme.js';

export type GateChartProps = {
	gate: GateState;
	metric: MetricInfo | undefined;
	height: number;
	/** Columns for the chart itself; the summary takes `sideWidth` beside it. */
	width: number;
	sideWidth: number;
	colour: boolean;
	/** The plotting function; the real asciichart unless a test counts its calls. */
	plot?: Plot;
};

/**
 * Green and blue on one chart, the threshold drawn, and beside it the verdict and values. The plot
 * is recomputed only when a series, the gate or the size changes, not on every clock tick.
 */
export const GateChart = memo(({gate, metric, height, width, sideWidth, colour, plot}: GateChartProps) => {
	const tone = useTone();
	const lines = useMemo(
		() => plotGateChart({green: gate.green, blue: gate.blue, gate: gate.gate, height, width, colour}, plot),
		[gate.green, gate.blue, gate.gate, height, width, colour, plot],
	);
	const summary = gateSummary(gate, metric).slice(0, height);
	return (
		<Box flexDirection="row" height={height}>
			<Box flexDirection="column" width={width} flexShrink={0}>
				{lines.length > 0 ? (
					lines.map((line, index) => (
						<Text key={index} wrap="truncate-end">
							{line}
						</Text>
					))
				) : (
					<Text wrap="truncate-end" {...tone('muted')}>
						no data yet for {gate.metric}
					</Text>
				)}
			</Box>
			<Box flexDirection="column" width={sideWidth} marginLeft={1} flexShrink={0}>
				{summary.map((line, index) => (
					<Text key={index} wrap="truncate-end" {...tone(line.tone)}>
						{line.text}
					</Text>
				))}
			</Box>
		</Box>
	);
});
