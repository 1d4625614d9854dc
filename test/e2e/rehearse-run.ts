import {cpSync, mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import type {DrillEvent} from '../../source/drill/drill-report.js';

const repo = path.resolve(import.meta.dirname, '..', '..');

/** A `--json` event as the tests read it: what a drill reads, and the values, log lines and weights. */
export type JsonEvent = DrillEvent & {value?: number | null; lines?: string[]; weight?: number; share?: boolean};

export type Rehearsal = {exitCode: number; events: JsonEvent[]; stderr: string; durationMs: number};

/** The events a `--json` run printed, one per line. */
export const jsonEventsOf = (stdout: unknown): JsonEvent[] =>
	String(stdout)
		.split('\n')
		.filter((line) => line.startsWith('{'))
		.map((line) => JSON.parse(line) as JsonEvent);

/** `greenlight rehearse --yes --json` on a copy of the committed runbook, in a folder of its own. */
export const rehearse = async (args: string[]): Promise<Rehearsal> => {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'greenlight-rehearse-'));
	try {
		cpSync(path.join(repo, 'runbook.json'), path.join(dir, 'runbook.json'));
		cpSync(path.join(repo, 'runbooks'), path.join(dir, 'runbooks'), {recursive: true});
		const started = Date.now();
		const result = await execa(process.execPath, [path.join(repo, 'dist', 'cli', 'main.js'), 'rehearse', 'runbook.json', '--yes', '--json', ...args], {
			cwd: dir,
			reject: false,
			timeout: 450_000,
			stdin: 'ignore',
		});
		return {exitCode: result.exitCode ?? -1, events: jsonEventsOf(result.stdout), stderr: String(result.stderr), durationMs: Date.now() - started};
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
};

export const firstFailure = (events: JsonEvent[]) => events.find((event) => event.type === 'step-finished' && event.status === 'failed');

export const finished = (events: JsonEvent[], phase: string) =>
	events.filter((event) => event.type === 'step-finished' && event.phase === phase);

/** The last green-share sample of the rollback's closing measurement. */
export const lastGreenShare = (events: JsonEvent[]) =>
	events.filter((event) => event.type === 'gate-sampled' && event.phase === 'rollback' && event.metric === 'greenShare').at(-1)?.value;

/** The share gate's samples of the traffic switch: what green really served at each weight. */
export const measuredShares = (events: JsonEvent[]) => events.filter((event) => event.type === 'gate-sampled' && event.share === true);
