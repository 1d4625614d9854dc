// First: no schema may be built before zod is told not to compile parsers.
import './zod-jitless.js';
import {redactCrashText} from '../adapters/redactor.js';
import {scenarios} from '../sandbox/scenarios.js';
import type {ReleaseOptions} from './release.js';
import {EXIT, parse, parseVars, REHEARSAL_SPEED, UsageError} from './usage.js';

// The commands of greenlight, behind the front door (main.ts), which has answered --help and
// --version already. Built as one bundle with everything inside; each command still evaluates
// only what it needs when it runs, so validate does not start Ink, Prism or the sandbox.
const release = () => import('./release.js');
const pair = () => import('./pair.js');

/** Commands that start processes: the exit hook that ends their children comes with the runner. */
const startsProcesses = new Set(['run', 'rehearse', 'join', 'export', 'contract', 'shift', 'roles']);
const killChildrenOnExit = async () => {
	const {killAllChildren} = await import('../adapters/process-tree.js');
	process.on('exit', () => killAllChildren());
};

const runOptions = {
	target: {type: 'string'},
	var: {type: 'string', multiple: true},
	operator: {type: 'string'},
	session: {type: 'string'},
	yes: {type: 'boolean', short: 'y'},
	json: {type: 'boolean'},
	'on-fail': {type: 'string'},
	'on-unknown': {type: 'string'},
	speed: {type: 'string'},
	scenario: {type: 'string'},
	world: {type: 'string'},
} as const;

const oneOf = <T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T => {
	if (value === undefined) return fallback;
	if ((allowed as readonly string[]).includes(value)) return value as T;
	throw new UsageError(`--${flag} must be one of ${allowed.join('|')}, got "${value}"`);
};

const releaseOptions = (args: string[], rehearse: boolean): ReleaseOptions => {
	const {values, positionals} = parse(args, runOptions);
	if (!rehearse && (values.scenario !== undefined || values.speed !== undefined || values.world !== undefined)) {
		throw new UsageError('--scenario, --speed and --world belong to greenlight rehearse');
	}
	const world = values.world;
	if (world === '') throw new UsageError('--world needs a folder');
	const speed = values.speed === undefined ? (rehearse ? REHEARSAL_SPEED : 1) : Number(values.speed);
	if (!Number.isFinite(speed) || speed <= 0) throw new UsageError(`--speed must be a positive number, got "${values.speed}"`);
	const scenario = values.scenario;
	if (scenario !== undefined && !scenarios.some((entry) => entry.name === scenario)) {
		throw new UsageError(`unknown scenario "${scenario}"; greenlight scenarios lists: ${scenarios.map((entry) => entry.name).join(', ')}`);
	}
	return {
		file: positionals[0] ?? 'runbook.json',
		target: values.target ?? (rehearse ? 'rehearsal' : undefined),
		vars: parseVars(values.var),
		operator: values.operator,
		session: values.session,
		yes: values.yes ?? false,
		json: values.json ?? false,
		onFail: oneOf('on-fail', values['on-fail'], ['stop', 'rollback'] as const, 'stop'),
		onUnknown: oneOf('on-unknown', values['on-unknown'], ['stop', 'rerun', 'done'] as const, 'stop'),
		speed,
		sandbox: rehearse
			? async (sessionDir) => {
					const [{cleanupStaleSandboxes, startSandbox}, {sessionsRoot}] = await Promise.all([import('../sandbox/sandbox.js'), import('../adapters/session-folder.js')]);
					await cleanupStaleSandboxes(sessionsRoot(process.cwd()));
					return startSandbox({sessionDir, scenario, world, speed});
				}
			: undefined,
	};
};

const main = async (argv: string[]): Promise<number> => {
	const [command, ...args] = argv;
	// Sessions, logs, records and the sandbox's state are the operator's alone: folders 0700, files 0600.
	if (command === 'run' || command === 'rehearse' || command === 'join' || command === 'export') process.umask(0o077);
	if (command !== undefined && startsProcesses.has(command)) await killChildrenOnExit();
	switch (command) {
		case 'run':
			return (await release()).runRelease(releaseOptions(args, false));
		case 'rehearse':
			return (await release()).runRelease(releaseOptions(args, true));
		case 'join': {
			const {values} = parse(args, {session: {type: 'string'}, operator: {type: 'string'}, json: {type: 'boolean'}, key: {type: 'string'}}, 0);
			const operator = values.operator ?? (await import('./operator.js')).defaultOperator();
			return (await pair()).joinSession({session: values.session, operator, json: values.json ?? false, key: values.key});
		}
		case 'export': {
			const {values} = parse(args, {session: {type: 'string'}, out: {type: 'string'}}, 0);
			return (await pair()).exportSession({session: values.session, out: values.out});
		}
		case 'validate': {
			const {positionals} = parse(args, {});
			const {validateFile} = await import('../runbook/load.js');
			const result = await validateFile(positionals[0] ?? 'runbook.json');
			const stream = result.exitCode === 0 ? process.stdout : process.stderr;
			for (const line of result.lines) stream.write(`${line}\n`);
			return result.exitCode;
		}
		case 'schema':
			parse(args, {}, 0);
			process.stdout.write(`${JSON.stringify((await import('../runbook/json-schema.js')).runbookJsonSchema(), null, 2)}\n`);
			return EXIT.completed;
		case 'scenarios':
			parse(args, {}, 0);
			for (const scenario of scenarios) process.stdout.write(`${scenario.name.padEnd(20)} ${scenario.description}\n`);
			return EXIT.completed;
		case 'contract':
			return (await import('./commands/contract.js')).runContractCommand(args);
		case 'shift':
			return (await import('./commands/shift.js')).runShiftCommand(args);
		case 'roles':
			return (await import('./commands/roles.js')).runRolesCommand(args);
		case 'preflight':
			return (await import('./commands/preflight.js')).runPreflightCommand(args);
		default:
			throw new UsageError(`unknown command "${command}"`);
	}
};

// A fault outside the awaited path (a timer, a stream): one line for the operator, no stack trace; the
// journal already holds everything done, so the session can be resumed. The exit hook kills the children.
const fatal = (error: unknown) => {
	const message = redactCrashText(error instanceof Error ? error.message : String(error));
	process.stderr.write(`greenlight: internal error: ${message}; the session can be resumed\n`);
	process.exit(EXIT.failed);
};

/** Runs one command line (the arguments after the script) and sets the exit code. */
export const runCommandLine = async (argv: string[]): Promise<void> => {
	process.on('uncaughtException', fatal);
	process.on('unhandledRejection', fatal);
	try {
		process.exitCode = await main(argv);
	} catch (error) {
		if (error instanceof UsageError) {
			process.stderr.write(`greenlight: ${error.message}\nRun "greenlight --help" for usage.\n`);
			process.exitCode = EXIT.usage;
			return;
		}
		// Never a stack trace for the operator; the message is what they can act on.
		process.stderr.write(`greenlight: ${redactCrashText((error as Error).message ?? String(error))}\n`);
		process.exitCode = EXIT.failed;
	}
};
