import {existsSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

// greenlight's own files (package.json, the sandbox's fly.toml files and OpenAPI description, the
// built stand-ins) are found from the package's root. This code runs from the source tree (tests),
// bundled into dist/ (the CLI, the stand-ins) or installed under node_modules, each at another
// depth: so the root is looked up, not counted in "..".

let root: string | undefined;

/** The folder of greenlight's package.json. */
export const packageRoot = (): string => {
	if (root !== undefined) return root;
	let dir = path.dirname(fileURLToPath(import.meta.url));
	while (!existsSync(path.join(dir, 'package.json'))) {
		const parent = path.dirname(dir);
		if (parent === dir) throw new Error(`greenlight's package.json was not found above ${fileURLToPath(import.meta.url)}`);
		dir = parent;
	}
	root = dir;
	return dir;
};

/** The built CLI: what a runbook's own `greenlight …` steps run, and what the sandbox's shim execs. */
export const cliEntry = (): string => path.join(packageRoot(), 'dist', 'cli', 'main.js');
