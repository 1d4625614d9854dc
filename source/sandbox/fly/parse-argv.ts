// The fake fly's argument parser: the flyctl commands and flags runbook.json uses, parsed and refused
// as flyctl's cobra commands do, so a step the real fly would refuse fails in a rehearsal too.

/** "list": a StringSlice flag, comma-separated and repeatable (pflag), kept joined with ",". */
type FlagSpec = {type: 'string' | 'boolean' | 'list'; short?: string};
type CommandSpec = {flags: Record<string, FlagSpec>; args: 'none' | 'optional' | 'one' | 'many'};

const globalFlags: Record<string, FlagSpec> = {
	'access-token': {type: 'string', short: 't'},
	verbose: {type: 'boolean'},
	debug: {type: 'boolean'},
	help: {type: 'boolean', short: 'h'},
};
const app: Record<string, FlagSpec> = {app: {type: 'string', short: 'a'}, config: {type: 'string', short: 'c'}};
const json: Record<string, FlagSpec> = {json: {type: 'boolean', short: 'j'}};

const commands: Record<string, CommandSpec> = {
	status: {flags: {...app, ...json, all: {type: 'boolean'}}, args: 'none'},
	'machine list': {flags: {...app, ...json, quiet: {type: 'boolean', short: 'q'}}, args: 'none'},
	'machine cordon': {flags: {...app}, args: 'many'},
	'machine uncordon': {flags: {...app}, args: 'many'},
	deploy: {
		flags: {
			...app,
			image: {type: 'string', short: 'i'},
			strategy: {type: 'string'},
			detach: {type: 'boolean'},
			yes: {type: 'boolean', short: 'y'},
			'wait-timeout': {type: 'string'},
			ha: {type: 'boolean'},
			'update-only': {type: 'boolean'},
			'remote-only': {type: 'boolean'},
			'process-groups': {type: 'list'},
		},
		// deploy [WORKING_DIRECTORY]: fly.toml is looked for there (flyctl ChangeWorkingDirectoryToFirstArgIfPresent).
		args: 'optional',
	},
	releases: {flags: {...app, ...json, image: {type: 'boolean'}}, args: 'none'},
	'scale count': {
		flags: {...app, yes: {type: 'boolean', short: 'y'}, 'process-group': {type: 'string'}, region: {type: 'string', short: 'r'}},
		args: 'one',
	},
	'scale show': {flags: {...app, ...json}, args: 'none'},
	'secrets import': {flags: {...app, stage: {type: 'boolean'}, detach: {type: 'boolean'}, 'dns-checks': {type: 'boolean'}}, args: 'none'},
	'secrets list': {flags: {...app, ...json}, args: 'none'},
	'checks list': {flags: {...app, ...json, 'check-name': {type: 'string'}}, args: 'none'},
	version: {flags: {...json}, args: 'none'},
	'auth whoami': {flags: {...json}, args: 'none'},
};

const aliases: Record<string, string> = {machines: 'machine', m: 'machine', ls: 'list', secret: 'secrets'};
const groups = new Set(['machine', 'scale', 'secrets', 'checks', 'auth']);

export type ParsedFly = {command: string; positionals: string[]; flags: Record<string, string | boolean>};

const usageError = (message: string): {ok: false; message: string} => ({ok: false, message});

/** Parses argv as flyctl's cobra commands do; unknown commands and flags are errors, worded like flyctl's. */
export const parseFly = (argv: readonly string[]): {ok: true; parsed: ParsedFly} | {ok: false; message: string} => {
	const words: string[] = [];
	let index = 0;
	for (; index < argv.length; index += 1) {
		const word = argv[index] as string;
		if (word.startsWith('-')) break;
		const name = aliases[word] ?? word;
		words.push(name);
		if (words.length === 1 && groups.has(name)) continue;
		index += 1;
		break;
	}
	if (words.length === 0) return usageError('unknown command "" for "fly"');
	const command = words.join(' ');
	const spec = commands[command];
	if (!spec) {
		const parent = words.length > 1 ? `fly ${words[0]}` : 'fly';
		const unknown = words.at(-1) as string;
		return usageError(`unknown command "${unknown}" for "${parent}"`);
	}
	const flags: Record<string, string | boolean> = {};
	const positionals: string[] = [];
	const known = {...globalFlags, ...spec.flags};
	const byShort = new Map(Object.entries(known).flatMap(([name, flag]) => (flag.short ? [[flag.short, name] as const] : [])));
	for (; index < argv.length; index += 1) {
		const word = argv[index] as string;
		if (word === '--') {
			positionals.push(...argv.slice(index + 1));
			break;
		}
		if (!word.startsWith('-') || word === '-') {
			positionals.push(word);
			continue;
		}
		const long = word.startsWith('--');
		const [rawName, inline] = word.slice(long ? 2 : 1).split(/=(.*)/s, 2) as [string, string | undefined];
		const name = long ? rawName : byShort.get(rawName);
		const flag = name ? known[name] : undefined;
		if (!name || !flag) return usageError(long ? `unknown flag: --${rawName}` : `unknown shorthand flag: '${rawName}' in ${word}`);
		if (flag.type === 'boolean') {
			flags[name] = inline === undefined ? true : inline !== 'false';
			continue;
		}
		const value = inline ?? argv[index + 1];
		if (value === undefined) return usageError(`flag needs an argument: --${name}`);
		if (inline === undefined) index += 1;
		const earlier = flags[name];
		flags[name] = flag.type === 'list' && typeof earlier === 'string' ? `${earlier},${value}` : value;
	}
	if (spec.args === 'none' && positionals.length > 0) return usageError(`unknown command "${positionals[0]}" for "fly ${command}"`);
	if (spec.args === 'one' && positionals.length !== 1) return usageError(`accepts 1 arg(s), received ${positionals.length}`);
	if (spec.args === 'optional' && positionals.length > 1) return usageError(`accepts at most 1 arg(s), received ${positionals.length}`);
	return {ok: true, parsed: {command, positionals, flags}};
};
