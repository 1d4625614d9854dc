import {cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import type {JsonEvent} from './rehearse-run.js';

const repo = path.resolve(import.meta.dirname, '..', '..');
const cli = path.join(repo, 'dist', 'cli', 'main.js');

describe('a rehearsal killed mid-release', () => {
	it('given kill -9 during the traffic switch, --session resumes it in the sandbox it left, and it completes', async () => {
		const dir = mkdtempSync(path.join(os.tmpdir(), 'greenlight-rehearse-resume-'));
		try {
			cpSync(path.join(repo, 'runbook.json'), path.join(dir, 'runbook.json'));
			cpSync(path.join(repo, 'runbooks'), path.join(dir, 'runbooks'), {recursive: true});
			// The default speed (20): a faster traffic switch would not see enough requests to judge.
			const first = execa(process.execPath, [cli, 'rehearse', 'runbook.json', '--yes', '--json'], {cwd: dir, reject: false, stdin: 'ignore'});
			const sessions = path.join(dir, '.greenlight', 'sessions');
			let journal = '';
			for (let waited = 0; waited < 240_000 && !journal.includes('"traffic-shifted"'); waited += 200) {
				await sleep(200);
				const [session] = existsSync(sessions) ? readdirSync(sessions) : [];
				if (session && existsSync(path.join(sessions, session, 'journal.ndjson'))) journal = readFileSync(path.join(sessions, session, 'journal.ndjson'), 'utf8');
			}
			expect(journal).toContain('"traffic-shifted"');
			first.kill('SIGKILL');
			await first;
			const [session] = readdirSync(sessions);

			const second = await execa(
				process.execPath,
				[cli, 'rehearse', 'runbook.json', '--session', path.join(sessions, session!), '--yes', '--json', '--on-unknown', 'rerun'],
				{cwd: dir, reject: false, stdin: 'ignore', timeout: 400_000},
			);
			const events = String(second.stdout)
				.split('\n')
				.filter((line) => line.startsWith('{'))
				.map((line) => JSON.parse(line) as JsonEvent);
			expect(second.exitCode, String(second.stderr)).toBe(0);
			expect(events[0]).toMatchObject({type: 'run-resumed'});
			// Green was still deployed and taking traffic: nothing before the switch ran again.
			expect(events.some((event) => event.type === 'step-started' && event.phase === 'vorbereitung')).toBe(false);
			expect(events.at(-1)).toMatchObject({type: 'run-finished', outcome: 'completed'});
		} finally {
			rmSync(dir, {recursive: true, force: true});
		}
	}, 700_000);
});
