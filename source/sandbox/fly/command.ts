import type {FlyApp, FlyAppConfig, FlyMachine, FlyState} from '../fly-state.js';
import type {ParsedFly} from './parse-argv.js';

// What every fake fly command gets (the sandbox's state file, never Fly.io) and gives back.

export type FlyResult = {exitCode: number; stdout: string; stderr: string};
export type FlyIo = {
	stateFile: string;
	readStdin: () => Promise<string>;
	waitTimeoutMs?: number;
	/** Where fly.toml is looked for; the process's working directory when absent. */
	cwd?: string;
	/** $FLY_APP names the app when --app does not; the process's environment when absent. */
	env?: Record<string, string | undefined>;
};

/** The app a command acts on and the config file it read, if any (see app-config.ts). */
export type Target = {name: string; config: FlyAppConfig | undefined};

/** A command that changes the sandbox's Fly: deploy, scale, cordon, secrets. */
export type FlyAction = (io: FlyIo, parsed: ParsedFly, target: Target) => FlyResult | Promise<FlyResult>;

/** One app as a read-only command sees it: the state, the app named by --app and its machines. */
export type AppInState = {state: FlyState; app: FlyApp; machines: FlyMachine[]};

/** A read-only command: what it prints about one app. */
export type FlyView = (app: AppInState, flags: ParsedFly['flags']) => string;

/** An error worded as flyctl words it; runFly prints it after "Error: ". */
export class FlyError extends Error {}

export const requireApp = (state: FlyState, name: string): FlyApp => {
	const found = state.apps[name];
	if (!found) throw new FlyError(`failed to get app: Could not find App "${name}"`);
	return found;
};
