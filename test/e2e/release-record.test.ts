import {execFile} from 'node:child_process';
import {mkdtempSync, readdirSync, readFileSync, statSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';

const repo = path.resolve(import.meta.dirname, '../..');
const cli = path.join(repo, 'dist/cli/main.js');

const filesUnder = (dir: string): string[] =>
	readdirSync(dir).flatMap((name) => {
		const file = path.join(dir, name);
		return statSync(file).isDirectory() ? filesUnder(file) : [file];
	});

describe('the release record and snapshot after a rehearsal', () => {
	it('hold the gate values and the operator, and a secret seeded in the run appears nowhere', async () => {
		const cwd = mkdtempSync(path.join(os.tmpdir(), 'gl-record-'));
		const seed = 'SeededSecret-8f3a9c1e';
		const dotenv = `DATABASE_URL=postgres://api:${seed}@db.internal/api\nGREENLIGHT_SEEDED=${seed}`;
		const run = await new Promise<{code: number; stdout: string; stderr: string}>((resolve) => {
			execFile(
				process.execPath,
				// The default speed (20): a faster traffic switch would not see enough requests to judge.
				[cli, 'rehearse', path.join(repo, 'runbook.json'), '--yes', '--json', '--operator', 'alice'],
				// Secrets come through the environment: a --var would show them to every user in ps.
				{cwd, timeout: 450_000, env: {...process.env, FLY_API_TOKEN: `fo1_${seed}`, GREEN_SECRETS_DOTENV: dotenv}},
				(error, stdout, stderr) => {
					const code = (error as {code?: unknown} | null)?.code;
					resolve({code: error ? (typeof code === 'number' ? code : 1) : 0, stdout, stderr});
				},
			);
		});
		expect(run.code, run.stderr).toBe(0);

		const sessions = path.join(cwd, '.greenlight/sessions');
		const session = path.join(sessions, readdirSync(sessions)[0]!);
		const record = readFileSync(path.join(session, 'docs/releases/v2.4.0.md'), 'utf8');
		expect(record).toMatch(/^# Release v2\.4\.0/m);
		expect(record).toMatch(/alice/);
		expect(record).toMatch(/## Gates mit Werten/);
		// Each value with the observations behind it: "33.0 (n=413) / 33.1 (n=412)".
		expect(record).toMatch(/\| smoke\/\w+ \| p95 \| [\d.]+ \(n=\d+\) \/ [\d.]+ \(n=\d+\) \| ≤ 300 ms/);
		expect(record).toMatch(/## Break-Glass: nein/);
		expect(record).toMatch(/## Rollback: nein/);
		const dashboard = JSON.parse(readFileSync(path.join(session, 'export/dashboard.json'), 'utf8')) as {panels: unknown[]};
		expect(dashboard.panels.length).toBeGreaterThan(3);
		expect(readdirSync(path.join(session, 'export/logs')).length).toBeGreaterThan(5);

		// The secret really went through: the stand-in knows the new secret's name...
		expect(readFileSync(path.join(session, 'sandbox/fly-state.json'), 'utf8')).toContain('GREENLIGHT_SEEDED');
		// ...and its value is nowhere: not in the journal, logs, record, snapshot, sandbox state or output.
		const leaks = filesUnder(cwd).filter((file) => readFileSync(file, 'utf8').includes(seed));
		expect(leaks).toEqual([]);
		expect(run.stdout).not.toContain(seed);
		expect(run.stderr).not.toContain(seed);
	}, 480_000);
});
