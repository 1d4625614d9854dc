#!/usr/bin/env node
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {setFlagsFromString} from 'node:v8';
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

/**
 * V8 compiles a function to optimised code once it has run a set amount of bytecode (its interrupt
 * budget). That suits a browser page; greenlight starts, draws, then mostly waits, running its
 * screen and its samplers once a second. With V8's budget it spent the first minute of every watch
 * compiling code it ran once a second (or had run once, while starting): about a hundred compiles,
 * 0.7 s of CPU, more than the watch itself. Four times the budget leaves that code in V8's baseline
 * tier, while loops that run hot (a command printing a million lines) still reach the optimiser
 * within milliseconds. Set for the V8 of Node 20 only, where it was measured: a flag another V8 does
 * not know would be reported on the terminal. Before the CLI is compiled, so all of it runs with it.
 */
/** V8 11.3's own interrupt budget, in bytes of bytecode (`node --v8-options`). */
const V8_INTERRUPT_BUDGET = 67_584;
const INTERRUPT_BUDGET = 4 * V8_INTERRUPT_BUDGET;
const setInterruptBudget = () => {
	// A budget given on node's command line (a profiling run) is left as given.
	const given = process.execArgv.some((flag) => flag.startsWith('--interrupt-budget'));
	if (process.versions.v8.startsWith('11.3.') && !given) setFlagsFromString(`--interrupt-budget=${INTERRUPT_BUDGET}`);
};

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
		setInterruptBudget();
		await loadCli().runCommandLine(argv);
}
