// Tests ask what production asks: a zombie, exited and waiting to be reaped, does not count as running.
export {isProcessRunning as alive} from '../../source/adapters/process-tree.js';

import type {ChildProcess} from 'node:child_process';
import {onTestFinished} from 'vitest';

/**
 * Stops the child when the test ends, passed or failed, if it still runs: a failed assertion must
 * not leave a greenlight waiting for a pair that never comes (SIGTERM: it stops as an operator's
 * quit would, and takes its own children with it).
 */
export const endsWithTest = <Child extends ChildProcess>(child: Child): Child => {
	onTestFinished(() => {
		if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
	});
	return child;
};
