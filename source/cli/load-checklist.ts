import {yogaReady} from '../ui/yoga-ready.js';

/**
 * Loads the Ink checklist for a person at a terminal. Ink decides once, when it is loaded, whether
 * it runs in CI (and then draws only the last frame); we chose interactive mode because there is a
 * TTY, so CI variables inherited by the shell must not turn the live view off. DEV=true would make
 * Ink look for React DevTools and its own package.json, which the bundle does not carry. React picks
 * its build once, when it is loaded, too: the production one, several times cheaper per frame than
 * the development build's checks (the bundle is built for production anyway). The environment is
 * restored afterwards, so the commands a runbook runs never inherit a NODE_ENV greenlight chose.
 */
export const loadChecklist = async () => {
	const checklist = await importForATerminal();
	// In the CLI bundle Ink's layout engine compiles its WebAssembly meanwhile (ui/yoga-ready.ts).
	await yogaReady();
	return checklist;
};

const importForATerminal = async () => {
	const names = ['CI', 'CONTINUOUS_INTEGRATION', 'DEV', 'NODE_ENV'] as const;
	const saved = names.map((name) => [name, process.env[name]] as const);
	for (const name of names) delete process.env[name];
	// Through a computed key: the bundler replaces the literal process.env.NODE_ENV with its constant.
	const nodeEnv: (typeof names)[number] = 'NODE_ENV';
	process.env[nodeEnv] = 'production';
	try {
		return await import('../ui/render-checklist.js');
	} finally {
		for (const [name, value] of saved) {
			if (value === undefined) delete process.env[name];
			else process.env[name] = value;
		}
	}
};
