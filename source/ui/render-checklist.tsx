import {render} from 'ink';
import type {StepLogs} from '../adapters/log-view.js';
import type {SendIntent} from '../engine/intents.js';
import {Checklist} from './Checklist.js';
import type {ChecklistRole, RunStore} from './store.js';
import {colourWanted} from './theme.js';

export type RenderChecklistOptions = {
	store: RunStore;
	send: SendIntent;
	role: ChecklistRole;
	operator: string;
	/** Rehearsal speed: watch and bake times shown are divided by it. Default 1. */
	speed?: number;
	stdin?: NodeJS.ReadStream;
	stdout?: NodeJS.WriteStream;
	/** Colour on or off; by default off when NO_COLOR is set. */
	colour?: boolean;
	/** The session's step logs, for the detail view (→ on a step). */
	logs?: StepLogs;
};

/**
 * Shows the live checklist until the run has an outcome (or the pair leaves). Resolves after Ink
 * has unmounted and the terminal is restored (raw mode off, cursor shown, final frame kept).
 */
export const renderChecklist = async (options: RenderChecklistOptions): Promise<void> => {
	const instance = render(
		<Checklist
			store={options.store}
			send={options.send}
			role={options.role}
			operator={options.operator}
			speed={options.speed}
			colour={options.colour ?? colourWanted(process.env)}
			{...(options.logs ? {logs: options.logs} : {})}
		/>,
		{
			// Ink fills in process.stdin/stdout only for keys that are absent, not for undefined ones.
			...(options.stdin ? {stdin: options.stdin} : {}),
			...(options.stdout ? {stdout: options.stdout} : {}),
			// Ctrl-C is a key here: the checklist stops the run through the driver, never mid-write.
			exitOnCtrlC: false,
			// At most one frame per 16 ms (Ink's default is 30 per second): a key pressed just after a frame
			// waited up to 33 ms for the next one. The run's own updates are already paced (use-run-state.ts).
			maxFps: 60,
			// The global console is only caught when drawing on the process's own terminal.
			patchConsole: options.stdout === undefined || options.stdout === process.stdout,
		},
	);
	await instance.waitUntilExit();
};
