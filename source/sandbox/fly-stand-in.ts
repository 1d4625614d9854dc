#!/usr/bin/env node
import {mkdirSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {STATE_ENV} from './fly-state.js';
import {runFly} from './fly/run-fly.js';

// The fake `fly` of a rehearsal, never the real flyctl: the sandbox's bin dir runs this script in its
// place, and every command reads and writes the state file in the session folder (see fly/run-fly.ts).

const readStdin = async (): Promise<string> => {
	if (process.stdin.isTTY) return '';
	const chunks: Buffer[] = [];
	for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks).toString('utf8');
};

const main = async (): Promise<number> => {
	const stateFile = process.env[STATE_ENV];
	if (!stateFile) {
		process.stderr.write(`Error: this fly is greenlight's rehearsal stand-in and needs ${STATE_ENV}; run it through greenlight rehearse\n`);
		return 1;
	}
	// A pid file while running, so a sandbox cleaned up after a kill -9 can end a stand-in still waiting.
	const pids = path.join(path.dirname(stateFile), 'pids');
	const pidFile = path.join(pids, String(process.pid));
	mkdirSync(pids, {recursive: true});
	writeFileSync(pidFile, `${process.argv.slice(2).join(' ')}\n`);
	try {
		const result = await runFly(process.argv.slice(2), {stateFile, readStdin});
		process.stdout.write(result.stdout);
		process.stderr.write(result.stderr);
		return result.exitCode;
	} finally {
		rmSync(pidFile, {force: true});
	}
};

main().then(
	(code) => {
		process.exitCode = code;
	},
	(error: unknown) => {
		process.stderr.write(`Error: ${(error as Error).message}\n`);
		process.exitCode = 1;
	},
);
