import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {createDriver} from '../../source/run/driver.js';
import {createRedactor, REDACTED} from '../../source/adapters/redactor.js';
import type {StepExecutor} from '../../source/adapters/step-context.js';
import type {EngineEvent} from '../../source/engine/events.js';
import type {CommandStep} from '../../source/runbook/schema.js';
import {parseRunbook} from '../engine/fixture.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'greenlight-driver-output-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

/** Runs a one-step runbook unattended with the given command executor; answers the journal. */
const runOneStep = async (step: Record<string, unknown>, command: StepExecutor<CommandStep>) => {
	const journal: EngineEvent[] = [];
	const runbook = parseRunbook({
		title: 'One step',
		phases: [{id: 'pre', title: 'Preconditions', steps: [{id: 'keys', title: 'Install deploy key', kind: 'command', run: ['install-key'], ...step}]}],
	});
	const driver = createDriver({
		runbook,
		runbookFile: path.join(scratch, 'runbook.json'),
		target: 'rehearsal',
		operator: 'alice',
		sessionDir: mkdtempSync(path.join(scratch, 'session-')),
		session: 's1',
		variables: {},
		secretVariables: [],
		env: {},
		metrics: {},
		speed: 1,
		journal: {append: (event) => journal.push(event)},
		redactor: createRedactor([]),
		executors: {command},
		auto: {onFail: 'stop', onUnknown: 'stop'},
		clock: () => 1_000,
	});
	driver.start();
	const outcome = await driver.done;
	return {outcome, journal, state: driver.getState()};
};

describe('driver: what a step prints, and what comes after it', () => {
	it('given a step that prints the first line of a private key, when it finishes, then its finish and the rest of the run keep their types', async () => {
		const {outcome, journal, state} = await runOneStep({}, async (context) => {
			context.log('-----BEGIN OPENSSH PRIVATE KEY-----');
			context.log('b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAABlwAAAAdzc2gtcn');
			return {status: 'passed', exitCode: 0, reason: 'exit code 0'};
		});

		expect(journal.map((event) => event.type)).toEqual(['run-started', 'step-started', 'step-output', 'step-finished', 'phase-confirmed', 'run-finished']);
		expect(journal.find((event) => event.type === 'step-output')).toMatchObject({phase: 'pre', step: 'keys', lines: [REDACTED, REDACTED]});
		expect(outcome).toBe('completed');
		expect(state.phases[0]?.steps[0]?.status).toBe('passed');
	});

	it('given a secret step, when it finishes, then "(output hidden: secret step)" is its last output line, before it finishes', async () => {
		const {journal} = await runOneStep({secret: true}, async (context) => {
			context.log('token=fo1_Wq3kzX9c0Lrr7VdPz-aaa');
			return {status: 'passed', exitCode: 0, reason: 'exit code 0'};
		});

		const ofStep = journal.filter((event) => 'step' in event && event.step === 'keys');
		expect(ofStep.map((event) => event.type)).toEqual(['step-started', 'step-output', 'step-finished']);
		expect(ofStep[1]).toMatchObject({type: 'step-output', lines: ['(output hidden: secret step)']});
	});
});
