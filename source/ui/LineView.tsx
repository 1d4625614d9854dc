import {Text} from 'ink';
import Spinner from 'ink-spinner';
import {memo, useContext} from 'react';
import {printableLine} from '../engine/printable.js';
import {sameLine, type Line} from './step-lines.js';
import {ColourContext, useTone} from './theme.js';

/**
 * One line, truncated at the terminal's edge so it can never wrap into two. Its text is made
 * printable: a title, a reason or a note never sends an escape sequence to the terminal.
 */
export const LineView = memo(({line}: {line: Line}) => {
	const tone = useTone();
	const colour = useContext(ColourContext);
	return (
		<Text wrap="truncate-end" {...tone(line.tone)} {...(colour && line.selected ? {inverse: true} : {})}>
			{line.gutter ?? ''}
			{line.spinner ? <Spinner type="dots" /> : null}
			{printableLine(line.text)}
		</Text>
	);
}, (a, b) => sameLine(a.line, b.line));
