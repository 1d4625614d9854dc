import {mkdtempSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, test} from 'vitest';
import {executeCommandStep} from '../../source/adapters/command-step.js';
import {createDriver, type Driver} from '../../source/run/driver.js';
import {createMetricReader} from '../../source/adapters/metrics/metric-reader.js';
import {createRedactor} from '../../source/adapters/redactor.js';
import {createWatchExecutor} from '../../source/adapters/watch-step.js';
import type {EngineEvent} from '../../source/engine/events.js';
import {confirmBlocker, findStep} from '../../source/engine/select.js';
import {resolveMetrics} from '../../source/runbook/resolve.js';
import {Runbook, type RunbookInput} from '../../source/runbook/schema.js';

// The driver with real processes: command steps run node, a watch reads a command metric.

const node = (code: string) => [process.execPath, '-e', code];

const runbookInput: RunbookInput = {
	title: 'Driver release',
	metrics: {load: {title: 'load', green: {type: 'command', run: node('console.log(1)')}}},
	phases: [
		{
			id: 'pre',
			title: 'Preconditions',
			steps: [
				{id: 'told', title: 'On-call told', kind: 'manual'},
				{id: 'ci', title: 'CI green', kind: 'command', run: node('process.exit(process.env.CI_GREEN ? 0 : 3)')},
			],
		},
		{
			id: 'change',
			title: 'Change',
			confirm: 'pair',
			steps: [
				{id: 'deploy', title: 'Deploy', kind: 'command', changesProduction: true, run: node('')},
				{id: 'watch', title: 'Watch', kind: 'watch', duration: '1m', interval: '1s', gates: [{metric: 'load', max: 5}]},
			],
		},
	],
	rollback: {title: 'Rollback', steps: [{id: 'back', title: 'Back to blue', kind: 'command', run: node('')}]},
};

const drivers: Driver[] = [];
afterEach(async () => {
	for (const driver of drivers.splice(0)) await driver.shutdown('test over');
});

const start = (options: {priorEvents?: EngineEvent[]; env?: Record<string, string>} = {}) => {
	const runbook = Runbook.parse(runbookInput);
	const journal: EngineEvent[] = [];
	const sessionDir = mkdtempSync(path.join(os.tmpdir(), 'gl-driver-'));
	const driver = createDriver({
		runbook,
		runbookFile: path.join(sessionDir, 'runbook.json'),
		target: '',
		operator: 'alice',
		sessionDir,
		session: 's1',
		variables: {},
		secretVariables: [],
		env: {...(process.env as Record<string, string>), ...options.env},
		metrics: resolveMetrics(runbook, ''),
		speed: 1,
		journal: {appendAll: (events) => journal.push(...events)},
		redactor: createRedactor([]),
		executors: {command: executeCommandStep, watch: createWatchExecutor(createMetricReader())},
		priorEvents: options.priorEvents,
	});
	drivers.push(driver);
	return {driver, journal};
};

const until = async (what: string, check: () => boolean) => {
	for (let waited = 0; waited < 10_000; waited += 20) {
		if (check()) return;
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
	throw new Error(`timed out waiting for ${what}`);
};

const status = (driver: Driver, phase: string, step: string) => findStep(driver.getState(), phase, step)?.status;

describe('the driver', () => {
	test('given a failed step after an unticked manual one, t/o act on the failed step, Space on the manual one, and Enter names the failure', async () => {
		const {driver} = start();
		driver.start();
		await until('ci failed', () => status(driver, 'pre', 'ci') === 'failed');
		expect(confirmBlocker(driver.getState())).toMatch(/^failed: "CI green": exit code 3/);
		expect(driver.send({type: 'override', reason: ''})).toEqual({ok: false, reason: 'a break-glass override needs a reason'});
		expect(driver.send({type: 'retry'})).toEqual({ok: true});
		await until('ci ran again', () => findStep(driver.getState(), 'pre', 'ci')?.attempt === 2 && status(driver, 'pre', 'ci') === 'failed');
		expect(driver.send({type: 'override', reason: 'CI is flaky, checked by hand'})).toEqual({ok: true});
		expect(status(driver, 'pre', 'ci')).toBe('overridden');
		expect(status(driver, 'pre', 'told')).toBe('pending');
		expect(driver.send({type: 'tick'})).toEqual({ok: true});
		expect(status(driver, 'pre', 'told')).toBe('passed');
	});

	test('given a pair, it may note and confirm a four-eyes phase, never an operator phase nor a phase it no longer sees', async () => {
		const {driver} = start({env: {CI_GREEN: '1'}});
		driver.start();
		await until('ci passed', () => status(driver, 'pre', 'ci') === 'passed');
		driver.send({type: 'tick'});
		expect(driver.sendFromPair({type: 'confirm', phase: 'pre'}, 'bob')).toMatchObject({ok: false, reason: expect.stringMatching(/confirmed by the driver alone/)});
		expect(driver.sendFromPair({type: 'tick'}, 'bob')).toMatchObject({ok: false});
		expect(driver.sendFromPair({type: 'note', text: 'looks good'}, 'bob')).toEqual({ok: true});
		expect(driver.send({type: 'confirm', phase: 'pre'})).toEqual({ok: true});
		// The second press of a key on a screen that was behind does not confirm the next phase.
		expect(driver.send({type: 'confirm', phase: 'pre'})).toMatchObject({ok: false, reason: expect.stringMatching(/no longer the phase to confirm/)});
		expect(driver.getState().phases[1]?.confirmations).toEqual([]);
		// In the four-eyes phase the driver confirms first; the pair gives the second confirmation.
		expect(driver.sendFromPair({type: 'confirm', phase: 'change'}, 'bob')).toMatchObject({ok: false, reason: expect.stringMatching(/the driver confirms "Change" first/)});
		expect(driver.getState().phases[1]?.confirmations).toEqual([]);
	});

	test('given a rollback is asked for twice, it starts once', async () => {
		const {driver, journal} = start({env: {CI_GREEN: '1'}});
		driver.start();
		await until('ci passed', () => status(driver, 'pre', 'ci') === 'passed');
		driver.send({type: 'tick'});
		driver.send({type: 'confirm'});
		await until('the watch runs', () => status(driver, 'change', 'watch') === 'running');
		expect(driver.send({type: 'rollback', reason: 'first'})).toEqual({ok: true});
		expect(driver.send({type: 'rollback', reason: 'second'})).toMatchObject({ok: false});
		expect(await driver.done).toBe('rolled-back');
		expect(journal.filter((event) => event.type === 'rollback-started')).toHaveLength(1);
	});

	test('given quit while a watch runs, the watch is left to run again, and a resumed run starts it anew', async () => {
		const first = start({env: {CI_GREEN: '1'}});
		first.driver.start();
		await until('ci passed', () => status(first.driver, 'pre', 'ci') === 'passed');
		first.driver.send({type: 'tick'});
		first.driver.send({type: 'confirm'});
		await until('the watch runs', () => status(first.driver, 'change', 'watch') === 'running');
		first.driver.send({type: 'quit'});
		expect(await first.driver.done).toBe('stopped');
		const finished = first.journal.find((event) => event.type === 'step-finished' && event.step === 'watch');
		expect(finished).toMatchObject({status: 'unknown', reason: expect.stringMatching(/safe to re-run/)});
		expect(first.journal.at(-2)).toMatchObject({type: 'outcome-decided', step: 'watch', decision: 'rerun', operator: 'greenlight'});
		expect(status(first.driver, 'change', 'watch')).toBe('pending');

		const second = start({priorEvents: first.journal, env: {CI_GREEN: '1'}});
		second.driver.start();
		await until('the watch runs again', () => findStep(second.driver.getState(), 'change', 'watch')?.attempt === 2);
		expect(status(second.driver, 'change', 'watch')).toBe('running');
	});

	test('given a stop before the run began (Ctrl-C while the screen loads), done resolves and nothing is journaled', async () => {
		const first = start();
		first.driver.start();
		first.driver.send({type: 'quit'});
		await first.driver.done;
		const resumed = start({priorEvents: first.journal});
		await resumed.driver.shutdown('SIGINT received');
		expect(await resumed.driver.done).toBe('stopped');
		expect(resumed.journal).toEqual([]);
		resumed.driver.start();
		expect(resumed.journal).toEqual([]);
	});
});
