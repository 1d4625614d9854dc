import {execFile} from 'node:child_process';
import {mkdtempSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {openJournal} from '../../source/adapters/journal.js';
import {keepStartedVariables} from '../../source/run/resume.js';
import type {EngineEvent} from '../../source/engine/events.js';
import {resolveVariables} from '../../source/runbook/resolve.js';
import {Runbook} from '../../source/runbook/schema.js';

const runbook = Runbook.parse({
	title: 'Resume',
	variables: {
		version: {env: 'RELEASE_VERSION'},
		region: {default: 'fra'},
		token: {env: 'DEPLOY_TOKEN', secret: true},
		port: {default: '0'},
	},
	phases: [{id: 'one', title: 'One', steps: [{id: 'a', title: 'A', kind: 'manual'}]}],
});

const started: EngineEvent = {
	type: 'run-started',
	ts: 1,
	title: 'Resume',
	runbookFile: 'runbook.json',
	target: '',
	operator: 'alice',
	session: 's1',
	variables: {version: 'v1.4.0', region: 'fra', token: '«redacted»', port: '4100'},
	secretVariables: ['token'],
};

describe('resuming a session', () => {
	test('given a changed environment, the values the session started with stay; secrets and run-time values are taken anew', () => {
		const resolved = resolveVariables(runbook, '', {cli: {}, env: {RELEASE_VERSION: 'v9.9.9', DEPLOY_TOKEN: 'fresh-token'}, runtime: {port: '4200'}});
		const {conflicts} = keepStartedVariables([started], resolved, {}, {port: '4200'});
		expect(conflicts).toEqual([]);
		expect(resolved.values).toEqual({version: 'v1.4.0', region: 'fra', token: 'fresh-token', port: '4200'});
	});

	test('given a variable the journal knows but the environment lost, it is not missing', () => {
		const resolved = resolveVariables(runbook, '', {cli: {}, env: {DEPLOY_TOKEN: 't'}});
		expect(resolved.missing.map((missing) => missing.name)).toEqual(['version']);
		keepStartedVariables([started], resolved, {}, {});
		expect(resolved.missing).toEqual([]);
		expect(resolved.values.version).toBe('v1.4.0');
	});

	test('given --var that contradicts the journal, it is refused with both values named', () => {
		const cli = {version: 'v1.5.0', region: 'fra'};
		const resolved = resolveVariables(runbook, '', {cli, env: {DEPLOY_TOKEN: 't'}});
		const {conflicts} = keepStartedVariables([started], resolved, cli, {});
		expect(conflicts).toEqual([
			'--var version=v1.5.0: this session started with version=v1.4.0; resume with the same value, or start a new session with --session <new dir>',
		]);
	});

	test('given a journaled value that holds a redacted secret, it is resolved anew, never used as «redacted»', () => {
		const withSecretInside: EngineEvent = {...started, variables: {...(started as {variables: Record<string, string>}).variables, region: 'fra-«redacted»'}} as EngineEvent;
		const resolved = resolveVariables(runbook, '', {cli: {}, env: {DEPLOY_TOKEN: 't'}});
		keepStartedVariables([withSecretInside], resolved, {}, {});
		expect(resolved.values.region).toBe('fra');
		expect(resolved.values.version).toBe('v1.4.0');
	});

	test('given a session started on another target, greenlight run refuses to mix the two and names the target', async () => {
		const repo = path.resolve(import.meta.dirname, '../..');
		const session = mkdtempSync(path.join(os.tmpdir(), 'gl-resume-target-'));
		const journal = openJournal(path.join(session, 'journal.ndjson'));
		journal.append({...started, target: 'production', runbookFile: path.join(repo, 'test/fixtures/runbooks/simple.json')} as EngineEvent);
		journal.append({type: 'run-finished', ts: 2, outcome: 'stopped', reason: 'quit by alice'});
		journal.close();
		const run = await new Promise<{code: number | null; stderr: string}>((resolve) => {
			execFile(
				process.execPath,
				[path.join(repo, 'dist/cli/main.js'), 'run', path.join(repo, 'test/fixtures/runbooks/simple.json'), '--session', session, '--target', 'rehearsal', '--yes'],
				(error, _stdout, stderr) => resolve({code: error ? ((error as {code?: number}).code ?? 1) : 0, stderr}),
			);
		});
		expect(run.code).toBe(2);
		expect(run.stderr).toContain('started on target "production"; resume it with --target production');
	});

	test('given a session started under another runbook, or under this one before it changed, greenlight run refuses to resume and names both', async () => {
		const repo = path.resolve(import.meta.dirname, '../..');
		const simple = path.join(repo, 'test/fixtures/runbooks/simple.json');
		const resume = async (journaled: Record<string, unknown>) => {
			const session = mkdtempSync(path.join(os.tmpdir(), 'gl-resume-runbook-'));
			const journal = openJournal(path.join(session, 'journal.ndjson'));
			journal.append({...started, target: 'rehearsal', ...journaled} as EngineEvent);
			journal.append({type: 'run-finished', ts: 2, outcome: 'stopped', reason: 'quit by alice'});
			journal.close();
			return new Promise<{code: number | null; stderr: string}>((resolve) => {
				execFile(process.execPath, [path.join(repo, 'dist/cli/main.js'), 'run', simple, '--session', session, '--target', 'rehearsal', '--yes'], (error, _stdout, stderr) =>
					resolve({code: error ? ((error as {code?: number}).code ?? 1) : 0, stderr}),
				);
			});
		};

		const other = await resume({runbookFile: path.join(repo, 'runbook.json')});
		expect(other.code).toBe(2);
		expect(other.stderr).toContain(`runs the runbook ${path.join(repo, 'runbook.json')}, not ${simple}`);

		const changed = await resume({runbookFile: simple, runbookSha256: 'f'.repeat(64)});
		expect(changed.code).toBe(2);
		expect(changed.stderr).toMatch(/the runbook .*simple\.json changed since session .* started \(sha256 ffffffffffff… then, [0-9a-f]{12}… now\)/);
	});

	test('given a new session, nothing is kept or refused', () => {
		const resolved = resolveVariables(runbook, '', {cli: {version: 'v2'}, env: {DEPLOY_TOKEN: 't'}});
		expect(keepStartedVariables([], resolved, {version: 'v2'}, {}).conflicts).toEqual([]);
		expect(resolved.values.version).toBe('v2');
	});
});
