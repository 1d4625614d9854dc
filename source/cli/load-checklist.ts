/**
 * Loads the Ink checklist for a person at a terminal. Ink decides once, when it is loaded, whether
 * it runs in CI (and then draws only the last frame); we chose interactive mode because there is a
 * TTY, so CI variables inherited by the shell must not turn the live view off. DEV=true would make
 * Ink look for React DevTools and its own package.json, which the bundle does not carry.
 */
export const loadChecklist = async () => {
	const names = ['CI', 'CONTINUOUS_INTEGRATION', 'DEV'] as const;
	const saved = names.map((name) => [name, process.env[name]] as const);
	for (const name of names) delete process.env[name];
	try {
		return await import('../ui/render-checklist.js');
	} finally {
		for (const [name, value] of saved) if (value !== undefined) process.env[name] = value;
	}
};
