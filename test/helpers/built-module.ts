import {chmodSync, mkdtempSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {build} from 'esbuild';
import {bundleOptions} from '../../scripts/bundle-options.mjs';

/**
 * A source module as plain node can import it in a child process (another driver, a pair as
 * another Unix user): bundled like dist/ is, into a folder every user may read. Inside, the module
 * believes it still lives at its source path, so it finds greenlight's files as the source does.
 */
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
let dir: string | undefined;
const built = new Map<string, Promise<string>>();

export const builtModule = (sourcePath: string): Promise<string> => {
	const source = path.resolve(repo, sourcePath);
	const known = built.get(source);
	if (known) return known;
	if (!dir) {
		const made = mkdtempSync(path.join(os.tmpdir(), 'greenlight-built-'));
		// Readable by another Unix user; removed with the test run's temporary folder (temp-root.ts).
		chmodSync(made, 0o755);
		dir = made;
	}
	const outfile = path.join(dir, `${path.basename(source, path.extname(source))}-${built.size}.mjs`);
	const building = build({
		...bundleOptions,
		entryPoints: [source],
		outfile,
		define: {...bundleOptions.define, 'import.meta.url': JSON.stringify(pathToFileURL(source).href)},
		logLevel: 'error',
	}).then(() => {
		chmodSync(outfile, 0o644);
		return outfile;
	});
	built.set(source, building);
	return building;
};
