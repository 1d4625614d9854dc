// The moment a checklist's first frame is on the screen: the CLI says so, and the front door, which
// loaded it, writes the code cache then (load-cli.ts), when the start has compiled what it needs.
// An event on process, because the two are separate bundles with a module each of this file.

export const FIRST_FRAME_EVENT = 'greenlight:first-frame';

export const firstFrameDrawn = (): void => {
	process.emit(FIRST_FRAME_EVENT as 'disconnect');
};

export const onFirstFrame = (listener: () => void): void => {
	process.once(FIRST_FRAME_EVENT as 'disconnect', listener);
};
