import path from 'node:path';
import {defineConfig} from 'vitest/config';
// @ts-expect-error -- a plain ES module of the build, without types.
import {inkOutputFile, isInksOutput} from './scripts/bundle-options.mjs';

export default defineConfig({
	plugins: [
		{
			// As in the bundle: Ink's Output in greenlight's version (source/ui/ink-output.ts).
			name: 'ink-output-kept-across-frames',
			enforce: 'pre',
			resolveId: (source, importer) => (importer && isInksOutput(source, path.dirname(importer)) ? inkOutputFile : undefined),
		},
	],
	test: {
		include: ['test/**/*.test.{ts,tsx}'],
		// One temporary folder for the run, removed at its end: see the file.
		globalSetup: ['test/helpers/temp-root.ts'],
		testTimeout: 30_000,
		hookTimeout: 60_000,
		// Tests start real processes and servers; two cores are all a machine here has.
		maxWorkers: 2,
		fileParallelism: true,
		// The checklist is a live terminal view; Ink would draw only its last frame if it thought it ran in CI.
		env: {CI: 'false', CONTINUOUS_INTEGRATION: 'false'},
		// Ink goes through vite's resolver (not straight to node) so the plugin above reaches its imports.
		server: {deps: {inline: ['ink']}},
	},
});
