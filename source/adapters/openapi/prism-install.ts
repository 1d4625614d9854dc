import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import path from 'node:path';

// Where greenlight's own Prism is: resolved from greenlight's install, so the suite works whatever the caller's cwd is.

const requireHere = createRequire(import.meta.url);

/** The package.json of greenlight's Prism CLI: the Prism packages it depends on resolve from there. */
export const prismCliManifest = (): string => requireHere.resolve('@stoplight/prism-cli/package.json');

/** The script behind the `prism` command. */
export const prismBin = (): string => {
	const manifestPath = prismCliManifest();
	const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {bin?: Record<string, string>};
	return path.join(path.dirname(manifestPath), manifest.bin?.prism ?? 'dist/index.js');
};
