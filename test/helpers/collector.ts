import v8 from 'node:v8';
import {runInNewContext} from 'node:vm';

/** V8's garbage collector, so a test can ask what is still reachable (node needs no --expose-gc flag for it). */
export const collector = (): (() => void) => {
	v8.setFlagsFromString('--expose-gc');
	return runInNewContext('gc') as () => void;
};
