import type {FlyApp, FlyMachine, FlyState} from '../fly-state.js';
import type {ParsedFly} from './parse-argv.js';

// What every fake fly command gets (the sandbox's state file, never Fly.io) and gives back.

export type FlyResult = {exitCode: number; stdout: string; stderr: string};
export type FlyIo = {stateFile: string; readStdin: () => Promise<string>; waitTimeoutMs?: number};

/** A command that changes the sandbox's Fly: deploy, scale, cordon, secrets. */
export type FlyAction = (io: FlyIo, parsed: ParsedFly) => FlyResult | Promise<FlyResult>;

/** One app as a read-only command sees it: the state, the app named by --app and its machines. */
export type AppInState = {state: FlyState; app: FlyApp; machines: FlyMachine[]};

/** A read-only command: what it prints about one app. */
export type FlyView = (app: AppInState, flags: ParsedFly['flags']) => string;

/** An error worded as flyctl words it; runFly prints it after "Error: ". */
export class FlyError extends Error {}

export const requireApp = (state: FlyState, flags: ParsedFly['flags']): FlyApp => {
	const name = flags.app;
	if (typeof name !== 'string' || name === '') {
		throw new FlyError('the config for your app is missing an app name, add an app field to the fly.toml file or specify with the -a flag');
	}
	const found = state.apps[name];
	if (!found) throw new FlyError(`failed to get app: Could not find App "${name}"`);
	return found;
};
