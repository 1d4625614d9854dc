// When Ink's layout engine can be used. Run from source, yoga-layout waits for its WebAssembly with
// a top-level await, so it is ready once loaded. The CLI bundle is a script (see load-cli.ts), which
// has no top-level await: there yoga-layout hands its loading here (scripts/bundle-options.mjs), and
// the checklist waits for it before its first frame.

let loading: Promise<void> = Promise.resolve();

/** Called by the bundled yoga-layout as it starts compiling its WebAssembly. */
export const yogaLoading = (pending: Promise<void>): void => {
	loading = pending;
};

/** Resolves once yoga's WebAssembly is compiled and its API filled in. */
export const yogaReady = (): Promise<void> => loading;
