// {{name}} substitution. A value becomes part of one string (one argv element, one URL); it is
// never re-parsed, so a value full of shell metacharacters stays exactly what it was.

export const variablePattern = /\{\{\s*([A-Za-z][\w-]*)\s*\}\}/g;

export class MissingVariableError extends Error {
	constructor(readonly variable: string) {
		super(`variable {{${variable}}} has no value`);
	}
}

export const substitute = (text: string, variables: Readonly<Record<string, string>>): string =>
	text.replace(variablePattern, (_whole, name: string) => {
		const value = variables[name];
		if (value === undefined) throw new MissingVariableError(name);
		return value;
	});

export const substituteRecord = (
	record: Readonly<Record<string, string>> | undefined,
	variables: Readonly<Record<string, string>>,
): Record<string, string> =>
	Object.fromEntries(Object.entries(record ?? {}).map(([key, value]) => [key, substitute(value, variables)]));

/** Every {{name}} a text refers to. */
export const referencedVariables = (text: string): string[] =>
	[...text.matchAll(variablePattern)].map((match) => match[1] as string);

/** Shells: the element after their -c is a script they parse. */
const shells = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'fish', 'csh', 'tcsh', 'busybox']);
/** Interpreters: the element after this flag is code they run. */
const codeFlags: Record<string, readonly string[]> = {
	python: ['-c'],
	python3: ['-c'],
	node: ['-e', '--eval', '-p', '--print'],
	perl: ['-e', '-E'],
	ruby: ['-e'],
	php: ['-r'],
	pwsh: ['-c', '-Command'],
	powershell: ['-c', '-Command'],
};
/** ssh options that take a value; the first other word is the host, everything after it a remote command line. */
const sshOptionsWithValue = new Set(['-b', '-c', '-D', '-E', '-e', '-F', '-I', '-i', '-J', '-L', '-l', '-m', '-O', '-o', '-p', '-Q', '-R', '-S', '-W', '-w']);

const program = (element: string): string => element.slice(element.lastIndexOf('/') + 1);

/**
 * The argv positions that something will parse as code or a command line: the script of `sh -c`
 * (also behind env, sudo, timeout … or inside `docker exec … sh -c`), the code of `python -c`,
 * `node -e` and the like, `eval`'s words, and the remote command of `ssh host …`. A {{variable}} in
 * one of them would become code, which greenlight never allows: values are data.
 */
export const codePositions = (argv: readonly string[]): number[] => {
	const positions = new Set<number>();
	for (const [index, element] of argv.entries()) {
		const name = program(element);
		if (shells.has(name)) {
			// -c, or a cluster holding c (-ec, -lc, -xc): the next word that is not an option is the script.
			const flag = argv.findIndex((word, at) => at > index && /^-[a-zA-Z]*c[a-zA-Z]*$/.test(word));
			if (flag > index && flag + 1 < argv.length) positions.add(flag + 1);
		}
		const flags = codeFlags[name.replace(/\d+(\.\d+)*$/, '')] ?? codeFlags[name];
		if (flags) {
			const flag = argv.findIndex((word, at) => at > index && flags.includes(word));
			if (flag > index && flag + 1 < argv.length) positions.add(flag + 1);
		}
		if (name === 'eval') for (let at = index + 1; at < argv.length; at++) positions.add(at);
		if (name === 'ssh') {
			let at = index + 1;
			while (at < argv.length && argv[at]!.startsWith('-')) at += sshOptionsWithValue.has(argv[at]!) ? 2 : 1;
			// argv[at] is the host; the rest is one command line for the remote shell.
			for (at += 1; at < argv.length; at++) positions.add(at);
		}
	}
	return [...positions].sort((a, b) => a - b);
};

export class CodeInjectionError extends Error {
	constructor(readonly variable: string, readonly position: number) {
		super(`{{${variable}}} stands in argument ${position}, which a shell or an interpreter runs as code; greenlight never turns a value into code: pass it as an argument ("$1") or through env`);
	}
}

export class OptionLikeValueError extends Error {
	constructor(readonly variable: string) {
		super(`{{${variable}}} has a value that starts with "-", and as a whole argument it would be read as an option; refused (a value is data, never an option)`);
	}
}

/**
 * An argv with its variables filled in, checked: no variable in a position run as code, and no
 * variable that fills a whole argument with a value that looks like an option (`--image {{img}}`
 * with img = "--help").
 */
export const substituteArgv = (
	argv: readonly string[],
	variables: Readonly<Record<string, string>>,
	/** Variables the runbook declares `optionLike`: their values may start with "-". */
	optionLike: readonly string[] = [],
): string[] => {
	for (const position of codePositions(argv)) {
		const [name] = referencedVariables(argv[position] ?? '');
		if (name !== undefined) throw new CodeInjectionError(name, position);
	}
	return argv.map((element) => {
		const whole = /^\{\{\s*([A-Za-z][\w-]*)\s*\}\}$/.exec(element);
		const value = substitute(element, variables);
		if (whole && value.startsWith('-') && !optionLike.includes(whole[1]!)) throw new OptionLikeValueError(whole[1]!);
		return value;
	});
};
