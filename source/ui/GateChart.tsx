import {Box, Text} from 'ink';
import {memo} from 'react';
import {sameChartText, type ChartText} from './gate-evidence.js';
import {useTone} from './theme.js';

/**
 * Green and blue on one chart, the threshold drawn, and beside it the verdict and values: the text
 * `chartText` made (plotted once per series). Drawn again only when that text changed.
 */
export const GateChart = memo(
	({lines, summary, empty, height, width, sideWidth}: ChartText) => {
		const tone = useTone();
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
							{empty}
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
	},
	sameChartText,
);
