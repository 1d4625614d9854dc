/** The environment the lever's fly commands run with: greenlight's own, unset entries left out. */
export const leverEnv = (): Record<string, string> =>
	Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
