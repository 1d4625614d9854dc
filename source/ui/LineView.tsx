import {Text} from 'ink';
import Spinner from 'ink-spinner';
import type {Line} from './step-lines.js';
import {useTone} from './theme.js';

/** One line, truncated at the terminal's edge so it can never wrap into two. */
export const LineView = ({line}: {line: Line}) => {
	const tone = useTone();
	return (
		<Text wrap="truncate-end" {...tone(line.tone)}>
			{line.spinner ? <Spinner type="dots" /> : null}
			{line.text}
		</Text>
	);
};
