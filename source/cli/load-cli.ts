import {isAscii} from 'node:buffer';
import {accessSync, chmodSync, constants, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import Module, {createRequire} from 'node:module';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {Script} from 'node:vm';
import {onFirstFrame} from './first-frame.js';
import type * as Cli from './greenlight.js';

// Loads the CLI bundle (dist/cli/greenlight.cjs) with V8's code cache. Compiling the 1.7 MB bundle
// took a sixth of the time to the first frame on every start, and Node 20 keeps compiled code only
// for scripts (module.enableCompileCache, which also covers ES modules, arrived with Node 22): so
// the CLI is bundled as a CommonJS script, compiled here with the cache beside it. The cache is
// written whenever it was missing or V8 refused it (another Node, other flags): once the checklist's
// first frame is on the screen, so that it holds every function the start and the first frame
// compiled, or after a second for a command without a checklist.
// V8 checks the cache against the source and its own version and flags, and compiles afresh when it
// does not fit; a folder that cannot be written to only means no cache.

/** When a command without a checklist writes the cache. */
const CACHE_AFTER_MS = 1000;

export const loadCli = (): typeof Cli => {
	const file = fileURLToPath(new URL('./greenlight.cjs', import.meta.url));
	const cacheFile = `${file}.cache`;
	let cachedData: Buffer | undefined;
	try {
		cachedData = readFileSync(cacheFile);
	} catch {
		// none yet
	}
	const bytes = readFileSync(file);
	// The build keeps the bundle ASCII: read as Latin-1 it is the same text, copied rather than decoded
	// from UTF-8 (about 15 ms less for 1.7 MB on a slow machine).
	const source = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
	const script = new Script(Module.wrap(source), {filename: file, cachedData});
	const module = {exports: {}};
	(script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(file), module, file, path.dirname(file));
	// An install this user cannot write to (a global one) never gets a cache from it: no work spent making one.
	if ((cachedData === undefined || script.cachedDataRejected) && writable(path.dirname(file))) {
		let written = false;
		const write = () => {
			if (written) return;
			written = true;
			writeCache(script, cacheFile);
		};
		onFirstFrame(write);
		setTimeout(write, CACHE_AFTER_MS).unref();
	}
	return module.exports as typeof Cli;
};

const writable = (dir: string): boolean => {
	try {
		accessSync(dir, constants.W_OK);
		return true;
	} catch {
		return false;
	}
};

const writeCache = (script: Script, cacheFile: string): void => {
	const partial = `${cacheFile}.${process.pid}`;
	try {
		// Written aside and renamed: a greenlight starting meanwhile reads the old cache or the new one, whole.
		writeFileSync(partial, script.createCachedData());
		// Readable by whoever may run this greenlight, whatever umask the session set.
		chmodSync(partial, 0o644);
		renameSync(partial, cacheFile);
	} catch {
		rmSync(partial, {force: true});
	}
};
