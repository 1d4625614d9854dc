import {runCommand, type CommandOutcome} from '../command-runner.js';
import {flyctlTokenFrom} from '../fly-tokens.js';
import {failed, passed, type PreflightCheck} from './preflight-check.js';

// The read-only questions preflight asks Fly through the operator's own fly: who am I, and does
// each app answer. Built here, never taken from the runbook's steps.

const PROBE_TIMEOUT_MS = 60_000;

export type FlyProbeContext = {fly: string; env: Record<string, string>; cwd: string; signal?: AbortSignal};

const run = (context: FlyProbeContext, args: string[]): Promise<CommandOutcome> =>
	runCommand({argv: [context.fly, ...args], env: context.env, cwd: context.cwd, timeoutMs: PROBE_TIMEOUT_MS, signal: context.signal});

/** What fly said went wrong, in one line: its "Error: " lines and the suggestion after them. */
const flyError = (outcome: CommandOutcome, command: string): string => {
	if (outcome.error) return outcome.error;
	if (outcome.timedOut) return `${command} gave no answer within ${PROBE_TIMEOUT_MS / 1000} s`;
	const said = `${outcome.stderr}\n${outcome.stdout}`
		.split('\n')
		.map((line) => line.trim().replace(/^Error:?\s+/, ''))
		.filter(Boolean)
		.join(' ');
	const text = said.length > 400 ? `${said.slice(0, 400)}…` : said;
	return `${command} exited ${outcome.exitCode ?? `by ${outcome.signal ?? 'a signal'}`}${text ? `: ${text}` : ''}`;
};

/** Where flyctl takes its token from in this environment, for the line that names it. */
const tokenSource = (env: Readonly<Record<string, string>>): string => {
	const given = flyctlTokenFrom(env);
	if (!given) return 'no FLY_ACCESS_TOKEN or FLY_API_TOKEN set: flyctl uses its own login (fly auth login)';
	if (!given.token.trim()) return `${given.name} is set but empty${given.name === 'FLY_ACCESS_TOKEN' ? ', and flyctl reads it before FLY_API_TOKEN' : ''}`;
	return `token from ${given.name}${given.name === 'FLY_ACCESS_TOKEN' && env.FLY_API_TOKEN !== undefined ? ' (flyctl reads it before FLY_API_TOKEN)' : ''}`;
};

/** `fly auth whoami`: the token flyctl will use is accepted, and whose it is. */
export const probeFlyLogin = async (context: FlyProbeContext): Promise<PreflightCheck> => {
	const subject = `${context.fly} auth whoami`;
	const outcome = await run(context, ['auth', 'whoami']);
	const source = tokenSource(context.env);
	if (outcome.exitCode === 0) return passed(subject, `${outcome.stdout.trim() || 'logged in'} (${source})`);
	return failed(subject, `${flyError(outcome, subject)} (${source})`);
};

type StatusJson = {Status?: string; Machines?: Array<{state?: string}> | null};

/** `fly status --app APP --json`: the app exists for this token and answers; how many machines it runs. */
export const probeFlyApp = async (context: FlyProbeContext, app: string, usedBy: string): Promise<PreflightCheck> => {
	const subject = `app ${app}`;
	const outcome = await run(context, ['status', '--app', app, '--json']);
	if (outcome.exitCode !== 0) return failed(subject, `${flyError(outcome, `${context.fly} status --app ${app}`)} (used by ${usedBy})`);
	let status: StatusJson;
	try {
		status = JSON.parse(outcome.stdout) as StatusJson;
	} catch {
		return failed(subject, `${context.fly} status --app ${app} --json printed no JSON`);
	}
	const machines = status.Machines ?? [];
	const started = machines.filter((machine) => machine.state === 'started').length;
	const running = machines.length === 0 ? 'no machines yet' : `${machines.length} machine${machines.length === 1 ? '' : 's'}, ${started} started`;
	return passed(subject, `answers (${[status.Status, running].filter(Boolean).join(', ')})`);
};
