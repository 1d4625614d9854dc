import {defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.{ts,tsx}'],
		testTimeout: 30_000,
		hookTimeout: 60_000,
		// Tests start real processes and servers; two cores are all a machine here has.
		maxWorkers: 2,
		fileParallelism: true,
		// The checklist is a live terminal view; Ink would draw only its last frame if it thought it ran in CI.
		env: {CI: 'false', CONTINUOUS_INTEGRATION: 'false'},
	},
});
