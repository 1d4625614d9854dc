import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {createDriver} from '../../source/run/driver.js';
import {executeCommandStep} from '../../source/adapters/command-step.js';
import {createRedactor, REDACTED} from '../../source/adapters/redactor.js';
import {OUTPUT_TAIL_CHARS, SHOWN_LINE_CHARS} from '../../source/adapters/step-output.js';
import type {StepExecutor} from '../../source/adapters/step-context.js';
import type {EngineEvent} from '../../source/engine/events.js';
import type {CommandStep} from '../../source/runbook/schema.js';
import {parseRunbook} from '../engine/fixture.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'greenlight-driver-output-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

/** Runs a one-step runbook unattended with the given command executor; answers the journal. */
const runOneStep = async (step: Record<string, unknown>, command: StepExecutor<CommandStep>) => {
	const journal: EngineEvent[] = [];
	const sessionDir = mkdtempSync(path.join(scratch, 'session-'));
	const runbook = parseRunbook({
		title: 'One step',
		phases: [{id: 'pre', title: 'Preconditions', steps: [{id: 'keys', title: 'Install deploy key', kind: 'command', run: ['install-key'], ...step}]}],
	});
	const driver = createDriver({
		runbook,
		runbookFile: path.join(scratch, 'runbook.json'),
		target: 'rehearsal',
		operator: 'alice',
		sessionDir,
		session: 's1',
		variables: {},
		secretVariables: [],
		env: {},
		metrics: {},
		speed: 1,
		journal: {appendAll: (events) => journal.push(...events)},
		redactor: createRedactor([]),
		executors: {command},
		auto: {onFail: 'stop', onUnknown: 'stop'},
		clock: () => 1_000,
	});
	driver.start();
	const outcome = await driver.done;
	const logs = path.join(sessionDir, 'logs');
	const logText = readdirSync(logs).map((name) => readFileSync(path.join(logs, name), 'utf8')).join('');
	return {outcome, journal, state: driver.getState(), logText};
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

	it('given a step that prints escape sequences, a bare carriage return and NUL, then neither the journal nor the log holds one raw, and the text stays readable', async () => {
		const hostile = [
			'\u001b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\u0007clipboard',
			'\u001b]0;pwned title\u0007',
			'\u001b[?1049hsecret screen',
			'progress 10%\rdone, all good',
			'nul\u0000byte \u009b31m c1 \u202egnp.exe',
		];
		const {journal, logText} = await runOneStep({}, async (context) => {
			for (const line of hostile) context.log(line);
			return {status: 'failed', exitCode: 1, reason: `exit code 1: ${hostile[0]}`};
		});

		const written = JSON.stringify(journal) + logText;
		// Control characters other than newline and tab, raw, in JSON they would be escaped as \u00XX; in the log they would be bytes.
		expect(logText).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
		expect(JSON.stringify(journal)).not.toMatch(/\\u00(?:0[0-8bcef]|1[0-9a-f]|7f|[89][0-9a-f])|\u202e/);
		expect(written).toContain('\\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\\x07clipboard');
		expect(logText).toContain('progress 10%\\x0ddone, all good');
		expect(journal.find((event) => event.type === 'step-finished')).toMatchObject({reason: 'exit code 1: \\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\\x07clipboard'});
	});

	it('given a command printing one 5 MB line, then the log keeps it whole while the journal holds it cut, with a note where the rest is', async () => {
		const long = 'x'.repeat(5_000_000);
		const {journal, logText} = await runOneStep(
			{run: [process.execPath, '-e', `process.stdout.write('a'.repeat(2000) + '\\n' + 'x'.repeat(5e6) + '\\nend\\n')`]},
			executeCommandStep,
		);

		expect(logText).toContain(`\n${long}\nend\n`);
		const shown = journal.flatMap((event) => (event.type === 'step-output' ? event.lines : []));
		expect(shown.slice(1)).toEqual([
			`${'a'.repeat(SHOWN_LINE_CHARS)} … (+1000 characters in the log)`,
			`${'x'.repeat(SHOWN_LINE_CHARS)} … (the line goes on in the log)`,
			'end',
		]);
		expect(JSON.stringify(journal).length).toBeLessThan(20_000);
	});

	it('given a command printing 200,000 lines, then the journal holds a few batches that count them all, the log every line, and the state the last ones', async () => {
		const {journal, logText, state} = await runOneStep({run: ['seq', '1', '200000']}, executeCommandStep);

		const batches = journal.filter((event) => event.type === 'step-output');
		expect(batches.reduce((sum, event) => sum + (event.count ?? 0), 0)).toBe(200_001);
		expect(batches.length).toBeLessThan(40);
		expect(JSON.stringify(journal).length).toBeLessThan(40 * OUTPUT_TAIL_CHARS);
		expect(logText).toBe(`$ seq 1 200000\n${Array.from({length: 200_000}, (_, index) => index + 1).join('\n')}\n`);
		const step = state.phases[0]!.steps[0]!;
		expect(step.log.at(-1)).toBe('200000');
		expect(step.log.length + step.logDropped).toBe(200_001);
		expect(batches.at(-1)).toMatchObject({log: 'pre.keys.log', logBytes: Buffer.byteLength(logText)});
	});
});
