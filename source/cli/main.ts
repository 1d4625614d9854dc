#!/usr/bin/env node
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {packageRoot} from '../adapters/package-root.js';
import {loadCli} from './load-cli.js';
import {EXIT, helpText} from './usage.js';

// greenlight's front door (the bin). It answers --help and --version from this small file; every
// other command loads the CLI (greenlight.ts, built as one bundle with Ink, React, zod and execa
// inside, loaded by load-cli.ts), so asking for the version never reads or compiles any of them.

// A reader that went away (| head) is not an error of the release: keep running, stop printing.
for (const stream of [process.stdout, process.stderr]) {
	stream.on('error', (error: NodeJS.ErrnoException) => {
		if (error.code !== 'EPIPE') throw error;
	});
}

const version = (): string => {
	const manifest = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as {version: string};
	return manifest.version;
};

const argv = process.argv.slice(2);
switch (argv[0]) {
	case undefined:
	case 'help':
	case '--help':
	case '-h':
		process.stdout.write(helpText);
		process.exitCode = argv[0] === undefined ? EXIT.usage : EXIT.completed;
		break;
	case '--version':
	case '-v':
		process.stdout.write(`${version()}\n`);
		process.exitCode = EXIT.completed;
		break;
	default:
		await loadCli().runCommandLine(argv);
}
