import {createContext, useContext} from 'react';

/** What a piece of text means; the theme decides how it looks. */
export type Tone = 'good' | 'bad' | 'warn' | 'muted' | 'accent' | 'strong' | 'plain';

type ToneProps = {color?: string; bold?: boolean; dimColor?: boolean};

const colourTones: Record<Tone, ToneProps> = {
	good: {color: 'green'},
	bad: {color: 'red'},
	warn: {color: 'yellow'},
	muted: {color: 'gray'},
	accent: {color: 'cyan'},
	strong: {bold: true},
	plain: {},
};

/** NO_COLOR (https://no-color.org): present and not empty means no colour at all. */
export const colourWanted = (env: NodeJS.ProcessEnv): boolean => !env['NO_COLOR'];

export const ColourContext = createContext(true);

/** Text props for a tone; without colour there are none, so no escape sequence reaches the terminal. */
export const useTone = (): ((tone: Tone | undefined) => ToneProps) => {
	const colour = useContext(ColourContext);
	return (tone) => (colour && tone ? colourTones[tone] : {});
};
