import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {executeCommandStep} from '../../source/adapters/command-step.js';
import {createRedactor} from '../../source/adapters/redactor.js';
import type {EngineEvent} from '../../source/engine/events.js';
import {createDriver} from '../../source/run/driver.js';
import {parseRunbook} from '../engine/fixture.js';

// Captures are values like any other: a declared variable's pattern holds for them, and a capture
// into a secret variable is secret from the first byte its step prints.

const scratch = mkdtempSync(path.join(os.tmpdir(), 'greenlight-captures-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

const print = (text: string) => [process.execPath, '-e', `console.log(${JSON.stringify(text)})`];

const run = async (steps: Array<Record<string, unknown>>) => {
	const journal: EngineEvent[] = [];
	const sessionDir = mkdtempSync(path.join(scratch, 'session-'));
	const runbook = parseRunbook({
		title: 'Captures',
		variables: {
			blueImage: {default: 'unset', pattern: '^registry\\.fly\\.io/[\\w-]+:[\\w.-]+$'},
			dbPassword: {default: 'unset-value', secret: true},
		},
		phases: [{id: 'pre', title: 'Pre', steps: steps.map((step, index) => ({id: `s${index}`, title: `Step ${index}`, kind: 'command' as const, run: ['true'], ...step}))}],
	});
	const driver = createDriver({
		runbook,
		runbookFile: path.join(scratch, 'runbook.json'),
		target: '',
		operator: 'alice',
		sessionDir,
		session: 's1',
		variables: {blueImage: 'unset', dbPassword: 'unset-value'},
		secretVariables: ['dbPassword'],
		env: process.env as Record<string, string>,
		metrics: {},
		speed: 1,
		journal: {appendAll: (events) => journal.push(...events)},
		redactor: createRedactor(['unset-value']),
		executors: {command: executeCommandStep},
		auto: {onFail: 'stop', onUnknown: 'stop'},
	});
	driver.start();
	const outcome = await driver.done;
	const logs = path.join(sessionDir, 'logs');
	const logText = readdirSync(logs).map((name) => readFileSync(path.join(logs, name), 'utf8')).join('');
	return {outcome, journal, logText};
};

describe('captures', () => {
	it('given a capture that breaks the pattern of its declared variable, then the step fails naming both and the value is not used', async () => {
		const {outcome, journal} = await run([
			{run: print('image: --help'), capture: {blueImage: {regex: 'image: (\\S+)'}}},
			{run: print('never')},
		]);
		expect(outcome).toBe('failed');
		expect(journal.find((event) => event.type === 'step-finished')).toMatchObject({
			status: 'failed',
			reason: 'capture blueImage: "--help" does not match the pattern ^registry\\.fly\\.io/[\\w-]+:[\\w.-]+$ of variable blueImage',
		});
		expect(journal.some((event) => event.type === 'step-started' && event.step === 's1')).toBe(false);
	});

	it('given a capture with its own pattern, then a value that breaks it fails the step and is not used; one that keeps it is', async () => {
		const {outcome, journal} = await run([
			{run: print('version 2.4.0'), capture: {version: {regex: 'version (\\S+)', pattern: '^\\d+\\.\\d+\\.\\d+$'}}},
			{run: print('version $(touch x)'), capture: {version: {regex: 'version (.+)', pattern: '^\\d+\\.\\d+\\.\\d+$'}}},
			{run: print('never')},
		]);
		expect(outcome).toBe('failed');
		const finished = journal.filter((event) => event.type === 'step-finished');
		expect(finished[0]).toMatchObject({status: 'passed', captured: {version: '2.4.0'}});
		expect(finished[1]).toMatchObject({status: 'failed', reason: 'capture version: "$(touch x)" does not match the capture\'s pattern ^\\d+\\.\\d+\\.\\d+$'});
		expect(journal.some((event) => event.type === 'step-started' && event.step === 's2')).toBe(false);
	});

	it('given a capture into a secret variable, then the step is secret: neither its output nor its capture reaches the journal or the log', async () => {
		const password = 'Xq9-kV2m-Pz7w';
		// Assembled by the command, so the value is in its output only, not in its argv.
		const printPassword = [process.execPath, '-e', `console.log('password=' + ${JSON.stringify(password.slice(0, 5))} + ${JSON.stringify(password.slice(5))})`];
		const {outcome, journal, logText} = await run([{run: printPassword, capture: {dbPassword: {regex: 'password=(\\S+)'}}}, {run: [...printPassword.slice(0, 2), `console.log('again ' + ${JSON.stringify(password.slice(0, 5))} + ${JSON.stringify(password.slice(5))})`]}]);
		expect(outcome).toBe('completed');
		const written = JSON.stringify(journal) + logText;
		expect(written).not.toContain(password);
		expect(logText).toContain('(output hidden: secret step)');
		// And later steps that print it get it redacted.
		expect(logText).toContain('again «redacted»');
	});
});
