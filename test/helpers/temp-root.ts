import {chmodSync, mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The test run's own temporary folder: every folder a test or a greenlight it starts makes with
// os.tmpdir() goes in it (workers and their children inherit TMPDIR), and the run removes it at the
// end, so a machine that runs the tests all day does not fill up with sessions and logs.

let root: string | undefined;

export const setup = (): void => {
	root = mkdtempSync(path.join(os.tmpdir(), 'greenlight-tests-'));
	// As /tmp is: the pair tests join as another Unix user, who must reach the session's socket here.
	chmodSync(root, 0o1777);
	process.env.TMPDIR = root;
};

export const teardown = (): void => {
	if (root) rmSync(root, {recursive: true, force: true});
};
