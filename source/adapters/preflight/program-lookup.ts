import {accessSync, constants, statSync} from 'node:fs';
import path from 'node:path';

const isExecutableFile = (file: string): boolean => {
	try {
		accessSync(file, constants.X_OK);
		return statSync(file).isFile();
	} catch {
		return false;
	}
};

/**
 * Where a command's argv[0] would be started from, as the child's exec finds it: a name with a "/"
 * relative to the folder it runs in, any other the first executable of that name on the PATH it
 * is given (the run's environment, not greenlight's own). Undefined when there is none.
 */
export const locateProgram = (program: string, pathVariable: string | undefined, cwd: string): string | undefined => {
	if (program.includes('/')) {
		const file = path.resolve(cwd, program);
		return isExecutableFile(file) ? file : undefined;
	}
	for (const dir of (pathVariable ?? '').split(path.delimiter)) {
		// An empty PATH entry is the current folder, as for execvp.
		const file = path.resolve(cwd, dir, program);
		if (isExecutableFile(file)) return file;
	}
	return undefined;
};
