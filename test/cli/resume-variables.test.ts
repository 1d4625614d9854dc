import {describe, expect, test} from 'vitest';
import {keepStartedVariables} from '../../source/cli/release.js';
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

	test('given a new session, nothing is kept or refused', () => {
		const resolved = resolveVariables(runbook, '', {cli: {version: 'v2'}, env: {DEPLOY_TOKEN: 't'}});
		expect(keepStartedVariables([], resolved, {version: 'v2'}, {}).conflicts).toEqual([]);
		expect(resolved.values.version).toBe('v2');
	});
});
