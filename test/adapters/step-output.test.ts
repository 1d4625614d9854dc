import {createHash} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {createRedactor, REDACTED} from '../../source/adapters/redactor.js';
import {
	checkStepLogs,
	createStepOutput,
	OUTPUT_TAIL_CHARS,
	OUTPUT_TAIL_LINES,
	SHOWN_LINE_CHARS,
	type OutputBatch,
} from '../../source/adapters/step-output.js';
import type {EngineEvent} from '../../source/engine/events.js';

let logsDir: string;
beforeEach(() => {
	logsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'greenlight-step-output-'));
});
afterEach(() => fs.rmSync(logsDir, {recursive: true, force: true}));

const logFile = () => path.join(logsDir, 'switch.deploy.log');
const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** A step output whose batches are kept, each with the log's size at the moment it went out. */
const open = (secrets: string[] = []) => {
	const batches: Array<OutputBatch & {sizeWhenSent: number}> = [];
	const output = createStepOutput({
		logsDir,
		phase: 'switch',
		step: 'deploy',
		redact: createRedactor(secrets).stream(),
		onBatch: (batch) => batches.push({...batch, sizeWhenSent: fs.statSync(logFile()).size}),
	});
	return {output, batches};
};

const numbered = (from: number, count: number) => Array.from({length: count}, (_, index) => `line ${from + index}`);

/** The events a run of the step journals, as the driver would stamp them. */
const asEvents = (batches: OutputBatch[]): EngineEvent[] => [
	{type: 'step-started', ts: 1, phase: 'switch', step: 'deploy', attempt: 1},
	...batches.map((batch, index): EngineEvent => ({type: 'step-output', ts: 2 + index, phase: 'switch', step: 'deploy', ...batch})),
];

describe('step output: the log gets every byte, the journal a bounded batch', () => {
	it('given a hundred thousand lines in one go, then the log holds them all and one batch counts them, carrying only the last ones', async () => {
		const {output, batches} = open();
		const lines = numbered(1, 100_000);
		for (let at = 0; at < lines.length; at += 5000) output.print(`${lines.slice(at, at + 5000).join('\n')}\n`, false);
		await output.close();

		const log = fs.readFileSync(logFile());
		expect(log.toString()).toBe(`${lines.join('\n')}\n`);
		expect(batches.reduce((sum, batch) => sum + batch.count, 0)).toBe(100_000);
		expect(batches.reduce((sum, batch) => sum + batch.bytes, 0)).toBe(log.length);
		const last = batches.at(-1)!;
		expect(last.lines).toEqual(lines.slice(-OUTPUT_TAIL_LINES));
		expect(last).toMatchObject({log: 'switch.deploy.log', logBytes: log.length, logSha256: sha256(log)});
	});

	it('given batches, then each goes out only once its bytes are in the log file', async () => {
		const {output, batches} = open();
		for (let round = 0; round < 3; round++) {
			output.print(`${numbered(round * 1000, 1000).join('\n')}\n`, false);
			// The next round waits for this one's batch: the batch is the marker.
			while (batches.length <= round) await new Promise((resolve) => setTimeout(resolve, 10));
		}
		await output.close();
		for (const batch of batches) expect(batch.sizeWhenSent).toBeGreaterThanOrEqual(batch.logBytes);
		expect(batches.map((batch) => batch.count)).toEqual([1000, 1000, 1000]);
	});

	it('given lines of a thousand characters, then a batch carries as many of the last ones as fit its budget, each cut with a note', async () => {
		const {output, batches} = open();
		const long = Array.from({length: 200}, (_, index) => `${index} ${'x'.repeat(3000)}`);
		output.print(`${long.join('\n')}\n`, false);
		await output.close();

		const [batch] = batches;
		expect(batch?.count).toBe(200);
		expect(batch?.lines.join('').length).toBeLessThanOrEqual(OUTPUT_TAIL_CHARS);
		expect(batch?.lines.at(-1)).toBe(`${long.at(-1)!.slice(0, SHOWN_LINE_CHARS)} … (+${3004 - SHOWN_LINE_CHARS} characters in the log)`);
		expect(fs.readFileSync(logFile(), 'utf8')).toBe(`${long.join('\n')}\n`);
	});

	it('given one line in pieces, then its first piece is shown with a note, the rest go to the log only, and it counts once', async () => {
		const {output, batches} = open();
		output.print('a'.repeat(70_000), true);
		output.print('b'.repeat(70_000), true);
		output.print('c\nnext\n', false);
		await output.close();

		expect(batches.flatMap((batch) => batch.lines)).toEqual([`${'a'.repeat(SHOWN_LINE_CHARS)} … (the line goes on in the log)`, 'next']);
		expect(batches.reduce((sum, batch) => sum + batch.count, 0)).toBe(2);
		expect(fs.readFileSync(logFile(), 'utf8')).toBe(`${'a'.repeat(70_000)}${'b'.repeat(70_000)}c\nnext\n`);
	});

	it('given secrets and a private key across two blocks, then neither the log nor a batch holds them', async () => {
		const {output, batches} = open(['s3cr3t-t0ken-42']);
		output.print('deploying with s3cr3t-t0ken-42\n-----BEGIN OPENSSH PRIVATE KEY-----\n', false);
		output.print('b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAE\n-----END OPENSSH PRIVATE KEY-----\nDATABASE_URL=postgres://u:p@db/x\ndone\n', false);
		output.write('Authorization: Bearer abcdefgh12345');
		await output.close();

		const log = fs.readFileSync(logFile(), 'utf8');
		expect(log).toBe(`deploying with ${REDACTED}\n${REDACTED}\n${REDACTED}\n${REDACTED}\nDATABASE_URL=${REDACTED}\ndone\nAuthorization: Bearer ${REDACTED}\n`);
		expect(batches.flatMap((batch) => batch.lines).join('\n')).toBe(log.trimEnd());
	});

	it('given escape sequences and CRLF, then the log shows them escaped and a CRLF is one line break', async () => {
		const {output} = open();
		output.print('\u001b[31mred\u001b[0m\r\nprogress 10%\rdone\r\n', false);
		await output.close();
		expect(fs.readFileSync(logFile(), 'utf8')).toBe('\\x1b[31mred\\x1b[0m\nprogress 10%\\x0ddone\n');
	});

	it('given output faster than the log is written, then it is asked to wait, and the wait ends once the log caught up', async () => {
		const {output} = open();
		const block = `${'y'.repeat(1023)}\n`.repeat(1024);
		let waited: Promise<void> | undefined;
		for (let round = 0; round < 8 && !waited; round++) {
			output.print(block, false);
			waited = output.behind();
		}
		expect(waited).toBeInstanceOf(Promise);
		await waited;
		await output.close();
		expect(fs.statSync(logFile()).size).toBeGreaterThan(1024 * 1024);
	});
});

describe('step output: the log against the journal', () => {
	it('given a run of a step on a log an earlier run left cut mid-line, then that line ends first and the journal hashes this run only', async () => {
		fs.writeFileSync(logFile(), 'earlier run\ncut off in the midd');
		const {output, batches} = open();
		output.print('second run\n', false);
		await output.close();

		const log = fs.readFileSync(logFile(), 'utf8');
		expect(log).toBe('earlier run\ncut off in the midd\nsecond run\n');
		expect(batches).toMatchObject([{count: 1, bytes: '\nsecond run\n'.length, logBytes: log.length, logSha256: sha256('\nsecond run\n')}]);
		expect(checkStepLogs(logsDir, asEvents(batches))).toEqual([]);
	});

	it('given a log that holds more than the journal says (written after the last batch), then it checks out', async () => {
		const {output, batches} = open();
		output.print(`${numbered(1, 100).join('\n')}\n`, false);
		await output.close();
		fs.appendFileSync(logFile(), 'written just before a kill -9\n');
		expect(checkStepLogs(logsDir, asEvents(batches))).toEqual([]);
	});

	it('given a log cut shorter or edited, then the check names the log and says which', async () => {
		const {output, batches} = open();
		output.print(`${numbered(1, 100).join('\n')}\n`, false);
		await output.close();
		const whole = fs.readFileSync(logFile(), 'utf8');

		fs.writeFileSync(logFile(), whole.slice(0, 50));
		expect(checkStepLogs(logsDir, asEvents(batches))).toEqual([expect.stringMatching(/^logs\/switch\.deploy\.log: shorter than the \d+ bytes the journal records/)]);
		fs.writeFileSync(logFile(), whole.replace('line 42', 'line 24'));
		expect(checkStepLogs(logsDir, asEvents(batches))).toEqual([expect.stringMatching(/^logs\/switch\.deploy\.log: .* no longer match the journal's sha256 \(edited\)/)]);
	});

	it('given batches of an older journal, which carried every line and no hash, then there is nothing to check', () => {
		const events: EngineEvent[] = [{type: 'step-output', ts: 1, phase: 'switch', step: 'deploy', lines: ['one', 'two']}];
		expect(checkStepLogs(logsDir, events)).toEqual([]);
	});
});
