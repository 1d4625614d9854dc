import {describe, expect, it} from 'vitest';
import type {EngineEvent, RunStarted} from '../../source/engine/events.js';
import {replay} from '../../source/engine/reduce.js';
import {initialState} from '../../source/engine/state.js';
import {createRedactor, REDACTED} from '../../source/adapters/redactor.js';
import {at, parseRunbook, started} from '../engine/fixture.js';

const begin = '-----BEGIN OPENSSH PRIVATE KEY-----';
const end = '-----END OPENSSH PRIVATE KEY-----';
const keyLine = 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAABlwAAAAdzc2gtcn';

describe('redactor: events after a private key was printed', () => {
	it('given a key begin line streamed from a step, when the following events are redacted, then their type, phase and step stay and the run folds', () => {
		const redactor = createRedactor([]);
		expect(redactor.redact(begin)).toBe(REDACTED);

		const events: EngineEvent[] = [
			at(started),
			at({type: 'step-started', phase: 'pre', step: 'ci', attempt: 1}),
			at({type: 'step-output', phase: 'pre', step: 'ci', lines: ['fetching key']}),
			at({type: 'step-finished', phase: 'pre', step: 'ci', status: 'passed', exitCode: 0, durationMs: 5, reason: 'exit code 0'}),
			at({type: 'step-ticked', phase: 'pre', step: 'oncall', operator: 'alice'}),
			at({type: 'phase-confirmed', phase: 'pre', operator: 'alice'}),
		];
		const redacted = events.map((event) => redactor.redactEvent(event));

		expect(redacted).toEqual(events);
		const state = replay(initialState(parseRunbook()), redacted);
		expect(state.phases[0]?.steps.map((step) => step.status)).toEqual(['passed', 'passed']);
		expect(state.phases[0]?.confirmed).toBe(true);
	});

	it('given a stream inside a key block, when an event is redacted in between, then the stream still hides the key until its end line', () => {
		const redactor = createRedactor([]);
		const first = redactor.redact(begin);
		redactor.redactEvent(at({type: 'note-added', text: 'rotating the deploy key', operator: 'alice'}));
		const rest = [keyLine, end, 'key installed'].map((line) => redactor.redact(line));
		expect([first, ...rest]).toEqual([REDACTED, REDACTED, REDACTED, 'key installed']);
	});

	it('given a whole key block inside one output line list entry, when the event is redacted, then the block goes and the text around it stays', () => {
		const redactor = createRedactor([]);
		const event = at({type: 'step-output', phase: 'pre', step: 'ci', lines: [`key: ${begin}\n${keyLine}\n${end} stored`, 'next line']});
		expect(redactor.redactEvent(event)).toEqual({...event, lines: [`key: ${REDACTED} stored`, 'next line']});
	});

	it('given a begin line alone in a reason, when the event is redacted, then the rest of that reason goes and nothing after it is touched', () => {
		const redactor = createRedactor([]);
		const failed = at({
			type: 'step-finished',
			phase: 'pre',
			step: 'ci',
			status: 'failed',
			exitCode: 1,
			durationMs: 5,
			reason: `exit code 1 (expected 0): ${begin} ${keyLine}`,
			captured: {host: 'lokaltreu-api-green.fly.dev'},
		});
		const note = at({type: 'note-added', text: 'retrying with a fresh key', operator: 'alice'});

		expect(redactor.redactEvent(failed)).toEqual({...failed, reason: `exit code 1 (expected 0): ${REDACTED}`});
		expect(redactor.redactEvent(note)).toEqual(note);
	});

	it('given ids and names that contain a known secret, when an event is redacted, then only its free text is replaced', () => {
		const redactor = createRedactor(['release-bot-token']);
		const override = at({type: 'override-given', phase: 'release-bot-token', step: 'release-bot-token', reason: 'used release-bot-token', operator: 'release-bot-token'});
		expect(redactor.redactEvent(override)).toEqual({...override, reason: `used ${REDACTED}`});
	});

	it('given the free text of every kind of event, when redacted, then titles, variables, reasons, notes and lines are covered', () => {
		const redactor = createRedactor(['hunter22-db']);
		const secret = 'hunter22-db';
		const cases: EngineEvent[] = [
			at({...(started as Omit<RunStarted, 'ts'>), title: `Release ${secret}`, variables: {db: secret}}),
			at({type: 'gate-sampled', phase: 'switch', step: 'shift', gate: 0, metric: 'p95', colour: 'green', value: 1, verdict: 'unknown', reason: `no data for ${secret}`}),
			at({type: 'rollback-started', operator: 'alice', reason: `db ${secret} down`}),
			at({type: 'run-finished', outcome: 'failed', reason: `db ${secret} down`}),
			at({type: 'note-added', text: secret, operator: 'alice'}),
		];
		for (const event of cases) {
			const text = JSON.stringify(redactor.redactEvent(event));
			expect(text).not.toContain(secret);
			expect(JSON.parse(text)).toMatchObject({type: event.type, ts: event.ts});
		}
	});
});

describe('redactor: streams of their own', () => {
	it('given one step left a key block open, the next step’s stream is not masked, while the open one stays masked', () => {
		const redactor = createRedactor([]);
		const first = redactor.stream();
		const second = redactor.stream();
		expect(first('-----BEGIN RSA PRIVATE KEY-----')).toBe(REDACTED);
		expect(first('MIIEowIBAAKCAQEA')).toBe(REDACTED);
		expect(second('deploying v2.4.0')).toBe('deploying v2.4.0');
		expect(first('MIIEpAIBAAKCAQEB')).toBe(REDACTED);
	});

	it('given an export of a whole text, a key block left open in one text does not mask the next one', () => {
		const redactor = createRedactor([]);
		expect(redactor.redactText('log a\n-----BEGIN PRIVATE KEY-----\nMIIE')).toBe(`log a\n${REDACTED}`);
		expect(redactor.redactText('log b: all fine')).toBe('log b: all fine');
	});
});

describe('redactor: the message of an error nobody caught', () => {
	it('given a running release, its secrets are redacted from the crash text; token shapes always are', async () => {
		const {redactCrashText, redactCrashesWith} = await import('../../source/adapters/redactor.js');
		expect(redactCrashText('fetch failed: Authorization: Bearer abcdefgh12345678')).toBe(`fetch failed: Authorization: Bearer ${REDACTED}`);
		redactCrashesWith(createRedactor(['hunter2-db-pass']));
		expect(redactCrashText('connect postgres://app:hunter2-db-pass@db failed')).toBe(`connect postgres://app:${REDACTED}@db failed`);
	});
});
