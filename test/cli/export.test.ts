import {execFile} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';

const repo = path.resolve(import.meta.dirname, '../..');
const cli = path.join(repo, 'dist/cli/main.js');

const greenlight = (args: string[], cwd: string) =>
	new Promise<{code: number; stdout: string; stderr: string}>((resolve) => {
		execFile(process.execPath, [cli, ...args], {cwd, timeout: 60_000}, (error, stdout, stderr) =>
			resolve({code: error ? ((error as {code?: number}).code ?? 1) : 0, stdout, stderr}),
		);
	});

describe('greenlight export --out', () => {
	it('given a finished session, then the release record and the snapshot both go into DIR', async () => {
		const cwd = mkdtempSync(path.join(os.tmpdir(), 'gl-export-'));
		const session = path.join(cwd, 'session');
		// A run that ends (here: its health probe fails), leaving a journal and logs behind.
		await greenlight(['run', path.join(repo, 'test/fixtures/runbooks/simple.json'), '--yes', '--json', '--session', session, '--operator', 'alice'], cwd);
		const out = path.join(cwd, 'handed-over');

		const exported = await greenlight(['export', '--session', session, '--out', out], cwd);

		expect(exported.code, exported.stderr).toBe(0);
		expect(readdirSync(path.join(out, 'docs/releases')).some((name) => name.endsWith('.md'))).toBe(true);
		expect(existsSync(path.join(out, 'export/dashboard.json'))).toBe(true);
		expect(readdirSync(path.join(out, 'export/logs')).length).toBeGreaterThan(0);
		expect(exported.stdout).toContain(`snapshot: ${path.join(out, 'export')}`);
	}, 60_000);
});
