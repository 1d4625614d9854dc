import {execFile, spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {describe, expect, it} from 'vitest';
import {endsWithTest} from '../helpers/processes.js';
import {readJournal} from '../../source/adapters/journal.js';

const repo = path.resolve(import.meta.dirname, '../..');
const cli = path.join(repo, 'dist/cli/main.js');
const runbook = path.join(repo, 'test/fixtures/resume/effects.json');

/** The side effect each non-idempotent step leaves in the effects file. */
const effectOf: Record<string, string> = {deploy: 'deploy', secrets: 'secrets', shift: 'shift-deploy', notes: 'notes'};

type Run = {code: number; stdout: string; stderr: string};

const resume = (cwd: string, session: string, effects: string, onUnknown: string, extra: string[] = []): Promise<Run> =>
	new Promise((resolve) => {
		execFile(
			process.execPath,
			[cli, 'run', runbook, '--yes', '--json', '--session', session, '--var', `effects=${effects}`, '--on-unknown', onUnknown, ...extra],
			{cwd, timeout: 60_000},
			(error, stdout, stderr) => {
				const code = (error as {code?: unknown} | null)?.code;
				resolve({code: error ? (typeof code === 'number' ? code : 1) : 0, stdout, stderr});
			},
		);
	});

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

describe('crash safety: kill -9 at random moments, then resume', () => {
	it('every resumed run completes with a valid journal, and each non-idempotent side effect happens exactly once', async () => {
		const decisions: string[] = [];
		for (let round = 0; round < 20; round++) {
			const cwd = mkdtempSync(path.join(os.tmpdir(), 'gl-kill-'));
			const session = path.join(cwd, 'session');
			const effects = path.join(cwd, 'effects.log');
			const victim = endsWithTest(
				spawn(process.execPath, [cli, 'run', runbook, '--yes', '--json', '--session', session, '--var', `effects=${effects}`], {
					cwd,
					stdio: 'ignore',
				}),
			);
			const exited = new Promise((resolve) => victim.on('exit', resolve));
			// Kill at a random point of the run: after a random number of journal lines, plus a random moment.
			const journalFile = path.join(session, 'journal.ndjson');
			const target = 1 + Math.floor(Math.random() * 26);
			const deadline = Date.now() + 10_000;
			while (lines(journalFile).length < target && victim.exitCode === null && Date.now() < deadline) await sleep(5);
			await sleep(Math.random() * 150);
			victim.kill('SIGKILL');
			await exited;

			// Resume as an operator would: when greenlight stops on a step whose outcome is unknown,
			// look at the world (the effects file) and decide: done if it happened, re-run if not.
			let onUnknown = 'stop';
			let extra: string[] = [];
			let run: Run | undefined;
			const before = existsSync(path.join(session, 'journal.ndjson')) ? readJournal(path.join(session, 'journal.ndjson')) : undefined;
			const finishedBeforeKill = before?.ok === true && before.events.at(-1)?.type === 'run-finished';
			if (finishedBeforeKill) run = {code: 0, stdout: '', stderr: ''};
			for (let attempt = 0; attempt < 6 && !finishedBeforeKill; attempt++) {
				run = await resume(cwd, session, effects, onUnknown, extra);
				if (run.code === 0) break;
				expect(run.stdout, `round ${round}: ${run.stderr}`).not.toBe('');
				const last = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as {type?: string; outcome?: string; reason?: string};
				expect(last, `round ${round}: ${run.stdout}`).toMatchObject({type: 'run-finished', outcome: 'stopped'});
				// Marking a step done that captures a value needs the value: the operator reads it off the world.
				if (/captures deployed/.test(last.reason ?? '')) {
					extra = ['--var', 'deployed=deploy'];
					decisions.push('deploy:done+value');
					continue;
				}
				const step = /\(\w+\/(\w+)\) is unknown/.exec(last.reason ?? '')?.[1];
				expect(step, `round ${round}: the stop names the step: ${last.reason}`).toBeDefined();
				const effect = effectOf[step!];
				expect(effect, `round ${round}: only non-idempotent steps ask: ${step}`).toBeDefined();
				onUnknown = lines(effects).includes(effect!) ? 'done' : 'rerun';
				decisions.push(`${step}:${onUnknown}`);
			}
			expect(run?.code, `round ${round} completes`).toBe(0);

			const journal = readJournal(path.join(session, 'journal.ndjson'));
			expect(journal.ok, `round ${round}: ${journal.ok ? '' : journal.message}`).toBe(true);
			if (journal.ok) expect(journal.events.at(-1)).toMatchObject({type: 'run-finished', outcome: 'completed'});
			const happened = lines(effects);
			for (const effect of Object.values(effectOf)) {
				expect(happened.filter((line) => line === effect), `round ${round}: ${effect} in ${happened.join(',')}`).toHaveLength(1);
			}
			expect(happened.filter((line) => line === 'probe').length).toBeGreaterThanOrEqual(1);
		}
		// Over 20 rounds some kills land inside a step; print what was decided for the record.
		console.log(`decisions after kill -9: ${decisions.join(' ') || 'none needed'}`);
	}, 480_000);
});
