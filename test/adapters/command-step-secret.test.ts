import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, test} from 'vitest';
import type {CommandOutcome} from '../../source/adapters/command-runner.js';
import {executeCommandStep, judgeCommand} from '../../source/adapters/command-step.js';
import type {StepContext} from '../../source/adapters/step-context.js';
import {CommandStep} from '../../source/runbook/schema.js';

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'bin');
const token = 'ghp_s3cr3tT0kenPrintedByTheCommand';

const commandStep = (fields: Record<string, unknown>): CommandStep =>
	CommandStep.parse({id: 'mint', title: 'Mint a deploy token', kind: 'command', run: ['mint'], ...fields});

const outcome = (fields: Partial<CommandOutcome>): CommandOutcome => ({
	exitCode: 0,
	stdout: '',
	stderr: '',
	timedOut: false,
	cancelled: false,
	durationMs: 10,
	...fields,
});

describe('a secret command step that fails', () => {
	test('given a non-zero exit with the token on stderr, then the reason names the exit code and hides the output', async () => {
		const result = await judgeCommand(commandStep({secret: true}), outcome({exitCode: 1, stdout: `token ${token}`, stderr: `rejected ${token}`}));
		expect(result).toEqual({status: 'failed', exitCode: 1, reason: 'exit code 1 (expected 0) (output hidden: secret step)'});
	});

	test('given a command killed by a signal, then the reason names the signal and hides the output', async () => {
		const result = await judgeCommand(commandStep({secret: true}), outcome({exitCode: null, signal: 'SIGKILL', stderr: token}));
		expect(result.reason).toBe('killed by SIGKILL (expected exit code 0) (output hidden: secret step)');
	});

	test('given a timeout, then the reason names the timeout and says the output is hidden', async () => {
		const result = await judgeCommand(commandStep({secret: true, timeout: '5s'}), outcome({exitCode: null, timedOut: true, stderr: token}));
		expect(result.reason).toBe('timed out after 5s (process tree killed) (output hidden: secret step)');
	});

	test('given stdout that misses the expectation, then the reason names the expectation and hides the output', async () => {
		const result = await judgeCommand(commandStep({secret: true, expect: {stdout: '^ok$'}}), outcome({stdout: token}));
		expect(result.reason).toBe('stdout did not match /^ok$/ (output hidden: secret step)');
	});

	test('given a capture that takes nothing, then the reason names the capture and what it looked for, never the output', async () => {
		const step = commandStep({secret: true, capture: {id: {regex: 'id=(\\w+)'}, token: {json: '$.token'}}});
		const result = await judgeCommand(step, outcome({stdout: `id=lk77713 ${token}`}));
		expect(result).toEqual({status: 'failed', exitCode: 0, reason: 'capture token: nothing taken by $.token (output hidden: secret step)'});
	});

	test('given the same failure on a step that is not secret, then the last stderr line is still the evidence', async () => {
		const result = await judgeCommand(commandStep({}), outcome({exitCode: 1, stderr: 'fly: app not found'}));
		expect(result.reason).toBe('exit code 1 (expected 0): fly: app not found');
	});

	test('given a real secret command failing with the token on stderr, when run, then the reason does not contain it', async () => {
		const step = commandStep({secret: true, run: [process.execPath, 'say.mjs', '3', `token=${token}`, `denied for ${token}`]});
		const context: StepContext<CommandStep> = {
			phase: 'pre',
			step,
			variables: {},
			env: {...process.env} as Record<string, string>,
			runbookDir: bin,
			signal: new AbortController().signal,
			log: () => {},
			emit: () => {},
			speed: 1,
			metrics: {},
		};
		const result = await executeCommandStep(context);
		expect(result).toMatchObject({status: 'failed', exitCode: 3, reason: 'exit code 3 (expected 0) (output hidden: secret step)'});
		expect(JSON.stringify(result)).not.toContain(token);
	});
});
