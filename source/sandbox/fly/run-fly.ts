import path from 'node:path';
import {liveMachines, readState} from '../fly-state.js';
import {appNameOf, localAppConfig} from './app-config.js';
import {authWhoami, requireSession} from './auth.js';
import {requireApp, type FlyAction, type FlyIo, type FlyResult, type FlyView, type Target} from './command.js';
import {checksList} from './checks-list.js';
import {deploy} from './deploy.js';
import {machineCordon, machineUncordon} from './machine-cordon.js';
import {machineList} from './machine-list.js';
import {failedWith, succeeded} from './output.js';
import {parseFly, type ParsedFly} from './parse-argv.js';
import {releases} from './releases.js';
import {scaleCount} from './scale-count.js';
import {scaleShow} from './scale-show.js';
import {secretsImport} from './secrets-import.js';
import {secretsList} from './secrets-list.js';
import {status} from './status.js';
import {version} from './version.js';

// The fake `fly` of a rehearsal: flyctl's argument shapes, output shapes and errors for the commands
// runbook.json uses, answered from the sandbox's state file. It never calls the real fly or Fly.io.

const actions: Record<string, FlyAction> = {
	deploy,
	'scale count': scaleCount,
	'machine cordon': machineCordon,
	'machine uncordon': machineUncordon,
	'secrets import': secretsImport,
};

const views: Record<string, FlyView> = {
	status,
	'machine list': machineList,
	releases,
	'scale show': scaleShow,
	'secrets list': secretsList,
	'checks list': checksList,
};

const helpText = `This is the rehearsal stand-in for flyctl. It answers:
  fly status, fly machine list|cordon|uncordon, fly deploy [--config PATH] --image [--process-groups G], fly releases,
  fly scale count|show, fly secrets import|list, fly checks list, fly auth whoami, fly version
Like flyctl it reads --config PATH, else ./fly.toml, for the app name and (deploy) the process groups,
and its token from --access-token, else FLY_ACCESS_TOKEN, else FLY_API_TOKEN: only the rehearsal's own is accepted.
`;

/**
 * The app a command acts on and the config file it read, as flyctl's RequireAppName preparer finds
 * them (see app-config.ts); `fly deploy DIR` looks for fly.toml in DIR.
 */
const targetOf = (io: FlyIo, parsed: ParsedFly): Target => {
	const cwd = io.cwd ?? process.cwd();
	const workingDirectory = parsed.command === 'deploy' && parsed.positionals[0] ? path.resolve(cwd, parsed.positionals[0]) : cwd;
	const config = localAppConfig(parsed.flags, workingDirectory);
	return {name: appNameOf(parsed.flags, io.env ?? process.env, config), config};
};

const view = (io: FlyIo, parsed: ParsedFly): FlyResult => {
	const target = targetOf(io, parsed);
	const state = readState(io.stateFile);
	const app = requireApp(state, target.name);
	const print = views[parsed.command];
	if (!print) return failedWith(`unknown command "${parsed.command}" for "fly"`);
	return succeeded(print({state, app, machines: liveMachines(state, app.name)}, parsed.flags));
};

/** Runs one fake fly invocation against the sandbox's state file. */
export const runFly = async (argv: readonly string[], io: FlyIo): Promise<FlyResult> => {
	const parsed = parseFly(argv);
	if (!parsed.ok) {
		const hint = parsed.message.startsWith('unknown command') ? "\nRun 'fly --help' for usage." : '';
		return failedWith(`${parsed.message}${hint}`);
	}
	if (parsed.parsed.flags.help === true) return succeeded(helpText);
	if (parsed.parsed.command === 'version') return succeeded(version(parsed.parsed.flags));
	try {
		// Every other command talks to Fly's API, so it needs a token Fly accepts.
		const session = requireSession(readState(io.stateFile), parsed.parsed, io.env ?? process.env);
		if (!session.ok) return session.result;
		if (parsed.parsed.command === 'auth whoami') return succeeded(authWhoami(session.email, parsed.parsed.flags));
		const action = actions[parsed.parsed.command];
		return action ? await action(io, parsed.parsed, targetOf(io, parsed.parsed)) : view(io, parsed.parsed);
	} catch (error) {
		return failedWith((error as Error).message);
	}
};
