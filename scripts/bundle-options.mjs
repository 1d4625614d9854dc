// The esbuild options every greenlight bundle shares: the build (scripts/build.mjs) and the tests
// that run one module in a child process of plain node (test/helpers/built-module.ts).
import {readFile} from 'node:fs/promises';
import path from 'node:path';

/**
 * An onLoad that replaces each pattern (a string or a regular expression) of a package's file, and
 * fails the build when a new version of the package no longer has it, rather than drop the patch
 * unnoticed.
 */
const patchOnLoad = (replacements) => async (args) => {
	let source = await readFile(args.path, 'utf8');
	for (const [pattern, replacement] of replacements) {
		const found = typeof pattern === 'string' ? source.includes(pattern) : pattern.test(source);
		if (!found) throw new Error(`${args.path} no longer contains ${String(pattern)}, which scripts/bundle-options.mjs patches`);
		source = source.replace(pattern, () => replacement);
	}
	return {contents: source, loader: 'js'};
};

/** What importing React DevTools does in a bundle: fail as a missing package does. */
const DEVTOOLS_MISSING = "throw Object.assign(new Error('react-devtools-core is not installed'), {code: 'ERR_MODULE_NOT_FOUND'})";

/**
 * Ink loads its React DevTools bridge (react-devtools-core, ws) only when DEV=true, and
 * react-devtools-core is not a dependency: in the bridge's place a module that fails as a missing
 * package does, so Ink says how to install it instead of crashing, and the bundle carries no ws.
 */
const withoutReactDevtools = {
	name: 'without-react-devtools',
	setup(builder) {
		builder.onResolve({filter: /^\.\/devtools\.js$/}, (args) => (/[\\/]ink[\\/]build$/.test(args.resolveDir) ? {path: 'react-devtools-core', namespace: 'missing'} : undefined));
		builder.onLoad({filter: /.*/, namespace: 'missing'}, () => ({contents: `${DEVTOOLS_MISSING};`}));
	},
};

/**
 * Ink's layout engine (yoga) carries its WebAssembly inline and reads it with fetch() whenever fetch
 * exists, which first loads all of Node's HTTP client (undici): a tenth of the time to the first
 * frame. Shadowing fetch in that one module makes it decode the same bytes directly.
 */
const yogaWithoutFetch = {
	name: 'yoga-without-fetch',
	setup(builder) {
		builder.onLoad({filter: /[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/}, patchOnLoad([[/^/, 'const fetch = undefined;\n']]));
	},
};

/**
 * zod carries its messages in forty languages and greenlight speaks English only: in the bundle its
 * locales module holds `en` alone, a sixth of the CLI's code that every start would compile.
 */
const zodInEnglish = {
	name: 'zod-in-english',
	setup(builder) {
		builder.onResolve({filter: /^\.\.\/locales\/index\.js$/}, (args) =>
			/[\\/]zod[\\/]v4[\\/](classic|core)$/.test(args.resolveDir) ? {path: path.join(args.resolveDir, '..', 'locales', 'english.js'), namespace: 'zod-in-english'} : undefined,
		);
		builder.onLoad({filter: /.*/, namespace: 'zod-in-english'}, (args) => ({contents: "export {default as en} from './en.js';", resolveDir: path.dirname(args.path)}));
	},
};

/**
 * Ink's Output, which turns each frame's writes into text, in greenlight's version that keeps the
 * rows it made from frame to frame (source/ui/ink-output.ts says why); vitest.config.ts does the same.
 */
export const inkOutputFile = path.join(import.meta.dirname, '..', 'source', 'ui', 'ink-output.ts');
export const isInksOutput = (specifier, importerDir) => specifier === './output.js' && /[\\/]ink[\\/]build$/.test(importerDir);
const inkOutputKeptAcrossFrames = {
	name: 'ink-output-kept-across-frames',
	setup(builder) {
		builder.onResolve({filter: /^\.\/output\.js$/}, (args) => (isInksOutput(args.path, args.resolveDir) ? {path: inkOutputFile} : undefined));
	},
};

/**
 * One string-width for the whole bundle, greenlight's (source/ui/string-width.ts): a fast path for
 * the narrow characters a checklist shows over the real string-width, which it loads itself.
 * wrap-ansi (Ink's line wrapping) carries its own older string-width, and each copy builds an
 * Intl.Segmenter as it loads (about 15 ms before the first frame, each); here wrapping, layout and
 * output all measure with the same one, so they also agree on widths.
 */
export const stringWidthFile = path.join(import.meta.dirname, '..', 'source', 'ui', 'string-width.ts');
const oneStringWidth = {
	name: 'one-string-width',
	setup(builder) {
		builder.onResolve({filter: /^string-width$/}, (args) =>
			args.importer === stringWidthFile
				? builder.resolve('string-width', {resolveDir: path.join(import.meta.dirname, '..'), kind: args.kind, pluginData: 'real'})
				: args.pluginData === 'real'
					? undefined
					: {path: stringWidthFile},
		);
	},
};

/**
 * slice-ansi and @alcalzone/ansi-tokenize (Ink's text tokenizers) each build an Intl.Segmenter as
 * they load, about 20 ms of ICU before the first frame. In the bundle they segment with greenlight's
 * (source/ui/graphemes.ts): one code point per grapheme for the characters a checklist shows,
 * Intl.Segmenter, built on first need, for any other string.
 */
export const graphemesFile = path.join(import.meta.dirname, '..', 'source', 'ui', 'graphemes.ts');
const SEGMENTER_AT_LOAD = /new Intl\.Segmenter\(undefined,\s*\{\s*granularity:\s*["']grapheme["']\s*\}\)/;
const segmenterOnNeed = {
	name: 'segmenter-on-need',
	setup(builder) {
		builder.onLoad(
			{filter: /[\\/](slice-ansi[\\/]tokenize-ansi|@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]tokenize)\.js$/},
			patchOnLoad([[SEGMENTER_AT_LOAD, '__greenlightGraphemes'], [/^/, `import {graphemeSegmenter as __greenlightGraphemes} from ${JSON.stringify(graphemesFile)};\n`]]),
		);
	},
};

/** @type {import('esbuild').BuildOptions} */
export const bundleOptions = {
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node20',
	jsx: 'automatic',
	// React's production build: the development one checks and warns on every render, and doubles the bundle.
	define: {'process.env.NODE_ENV': '"production"'},
	// Bundled CommonJS packages (react, prom-client…) call require(); an ES module has none of its own.
	banner: {js: "import {createRequire as __greenlightRequire} from 'node:module';const require=__greenlightRequire(import.meta.url);"},
	// Prism runs as its own process (tools/contract/prism-proxy.ts): it is found in node_modules, never imported.
	external: ['@stoplight/prism-cli'],
	// jsonc-parser's "main" is a UMD build whose require() calls a bundler cannot follow; its ES module build can be.
	alias: {'jsonc-parser': 'jsonc-parser/lib/esm/main.js'},
	plugins: [withoutReactDevtools, yogaWithoutFetch, zodInEnglish, inkOutputKeptAcrossFrames, oneStringWidth, segmenterOnNeed],
	logLevel: 'warning',
};

export const yogaReadyFile = path.join(import.meta.dirname, '..', 'source', 'ui', 'yoga-ready.ts');

/**
 * A script has no top-level await, and two of the CLI's packages use one. yoga-layout awaits its
 * WebAssembly: in the script it fills in its API when the WebAssembly is ready and tells
 * source/ui/yoga-ready.ts, which the checklist waits for before its first frame. Ink awaits React
 * DevTools and its own package.json, both only when DEV=true (which the checklist clears before
 * loading Ink, and the bundle carries neither): in the script the first fails as a missing package
 * does, as in the ES module build, and the second is not read.
 */
const withoutTopLevelAwait = {
	name: 'without-top-level-await',
	setup(builder) {
		builder.onLoad(
			{filter: /[\\/]yoga-layout[\\/]dist[\\/]src[\\/]index\.js$/},
			patchOnLoad([
				[
					'const Yoga = wrapAssembly(await loadYoga());',
					`import {yogaLoading as __greenlightYogaLoading} from ${JSON.stringify(yogaReadyFile)};\nconst Yoga = {};\n__greenlightYogaLoading(loadYoga().then((assembly) => { Object.assign(Yoga, wrapAssembly(assembly)); }));`,
				],
			]),
		);
		builder.onLoad(
			{filter: /[\\/]ink[\\/]build[\\/]reconciler\.js$/},
			patchOnLoad([
				["await import('./devtools.js');", `${DEVTOOLS_MISSING};`],
				['? await loadPackageJson()', '? {name: undefined, version: undefined}'],
			]),
		);
	},
};

/**
 * The CLI (source/cli/greenlight.ts) as a CommonJS script, which source/cli/load-cli.ts compiles
 * with V8's code cache. import.meta.url becomes the script's own file URL; import() of a bundled
 * module becomes its require, as a script compiled by vm has no loader for import().
 */
export const cliScriptOptions = {
	...bundleOptions,
	format: 'cjs',
	banner: {js: 'var __greenlightModuleUrl=require("node:url").pathToFileURL(__filename).href;'},
	define: {...bundleOptions.define, 'import.meta.url': '__greenlightModuleUrl'},
	supported: {'dynamic-import': false},
	outExtension: {'.js': '.cjs'},
	plugins: [withoutTopLevelAwait, ...bundleOptions.plugins],
};
