#!/usr/bin/env node
// Builds greenlight into dist/: each program one bundled file (esbuild), so that starting it reads
// one file instead of resolving hundreds of modules.
//
//   dist/cli/main.js            the bin: a front door of a few KB that answers --help and --version
//   dist/cli/greenlight.cjs     every command: the CLI with Ink, React, zod and execa inside, loaded
//                               by the front door only for a command. A CommonJS script rather than an
//                               ES module, so that the front door can compile it with V8's code cache
//                               (source/cli/load-cli.ts), which it writes beside it as greenlight.cjs.cache
//   dist/sandbox/fly-stand-in.js, dist/sandbox/gh-stand-in.js
//                               the rehearsal's stand-ins, small so that each `fly` a runbook calls starts fast
//   dist/bench/main.js, dist/drill/main.js
//                               npm run bench, npm run drill
//
// Without --force it does nothing when dist/ is newer than every input, so `npm start` and `npm test`
// pay for a build only after a change. It never type-checks: that is `npm run typecheck` (tsc).
import {existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {bundleOptions, cliScriptOptions} from './bundle-options.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const stamp = path.join(dist, '.built');

const entryPoints = ['source/cli/main.ts', 'source/sandbox/fly-stand-in.ts', 'source/sandbox/gh-stand-in.ts', 'source/bench/main.ts', 'source/drill/main.ts'];
/** What a build reads besides the sources: a change to any of them builds again. */
const inputs = ['source', 'scripts/build.mjs', 'scripts/bundle-options.mjs', 'package.json', 'package-lock.json', 'tsconfig.json'];

const newestChange = (entry) => {
	const stats = statSync(entry);
	if (!stats.isDirectory()) return stats.mtimeMs;
	return readdirSync(entry).reduce((newest, name) => Math.max(newest, newestChange(path.join(entry, name))), stats.mtimeMs);
};

const upToDate = () => existsSync(stamp) && inputs.every((input) => newestChange(path.join(root, input)) <= statSync(stamp).mtimeMs);

if (!process.argv.includes('--force') && upToDate()) process.exit(0);

const started = Date.now();
const {build} = await import('esbuild');
// A clean folder: nothing of an earlier layout (one file per module) can be run by mistake.
rmSync(dist, {recursive: true, force: true});
const shared = {
	absWorkingDir: root,
	outbase: 'source',
	outdir: 'dist',
	// Whitespace and syntax only: names stay, so a stack trace still reads.
	minifyWhitespace: true,
	minifySyntax: true,
	sourcemap: 'linked',
	legalComments: 'linked',
};
await Promise.all([build({...bundleOptions, ...shared, entryPoints}), build({...cliScriptOptions, ...shared, entryPoints: ['source/cli/greenlight.ts']})]);
// One byte beyond ASCII (a raw ≤ in a regular expression) makes Node decode the whole 1.7 MB bundle
// as UTF-16 before compiling it, on every start: say where, so it is spelled \u2264 instead.
const cli = readFileSync(path.join(dist, 'cli', 'greenlight.cjs'), 'latin1');
const nonAscii = cli.search(/[^\x00-\x7f]/);
if (nonAscii !== -1) process.stderr.write(`warning: dist/cli/greenlight.cjs is not ASCII (byte ${nonAscii}: …${cli.slice(Math.max(0, nonAscii - 40), nonAscii + 10)}…); every start decodes it as UTF-16\n`);
writeFileSync(stamp, `${new Date().toISOString()}\n`);
process.stderr.write(`built dist/ in ${Date.now() - started} ms\n`);
