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

export const substituteArgv = (argv: readonly string[], variables: Readonly<Record<string, string>>): string[] =>
	argv.map((element) => substitute(element, variables));

export const substituteRecord = (
	record: Readonly<Record<string, string>> | undefined,
	variables: Readonly<Record<string, string>>,
): Record<string, string> =>
	Object.fromEntries(Object.entries(record ?? {}).map(([key, value]) => [key, substitute(value, variables)]));

/** Every {{name}} a text refers to. */
export const referencedVariables = (text: string): string[] =>
	[...text.matchAll(variablePattern)].map((match) => match[1] as string);
