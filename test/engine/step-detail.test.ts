import {describe, expect, it} from 'vitest';
import type {EngineEvent, EventInput} from '../../source/engine/events.js';
import {reduce} from '../../source/engine/reduce.js';
import {SERIES_LIMIT, initialState} from '../../source/engine/state.js';
import {quoteArgv, stepDetail} from '../../source/engine/step-detail.js';
import {Runbook} from '../../source/runbook/schema.js';

const runbook = Runbook.parse({
	title: 'Inspect',
	variables: {app: {default: 'lokaltreu-api'}, token: {default: 'x', secret: true}},
	metrics: {p95: {title: 'p95 Latenz', unit: 'ms', green: {type: 'command', run: ['echo', '1']}, blue: {type: 'command', run: ['echo', '1']}}},
	phases: [
		{
			id: 'prep',
			title: 'Vorbereitung',
			steps: [
				{
					id: 'blue-image',
					title: 'Blue-Image festhalten',
					kind: 'command',
					run: ['fly', 'releases', '--app', '{{app}}', '--json', '--image'],
					capture: {blueImage: {json: '$[0].ImageRef'}},
				},
				{
					id: 'status',
					title: 'fly status prüfen',
					kind: 'command',
					run: ['fly', 'status', '--app', '{{app}}', '--json'],
					expect: {stdout: '"started"', json: {path: '$.Machines[*].state', equals: 'started'}},
				},
				{id: 'token', title: 'Token holen', kind: 'command', run: ['mint-token'], secret: true, capture: {token: {regex: '(\\S+)'}}},
				{id: 'health', title: 'Health', kind: 'http', url: 'http://{{app}}.internal/health', expect: {status: 200}},
				{id: 'jwks', title: 'JWKS-Rotation', kind: 'link', file: 'jwks.json'},
			],
		},
		{
			id: 'switch',
			title: 'Traffic-Switch',
			steps: [
				{id: 'shift', title: 'Traffic erhöhen', kind: 'traffic', weights: [10, 50, 100], bake: '2m', run: ['greenlight', 'shift', '--weight', '{{weight}}'], gates: [{metric: 'p95', max: 300}]},
			],
		},
	],
	rollback: {title: 'Rollback', steps: [{id: 'deploy-blue', title: 'Blue zurück', kind: 'command', run: ['fly', 'deploy', '--image', '{{blueImage}}']}]},
});

const links = {jwks: [{id: 'a', title: 'Schlüssel erzeugen'}, {id: 'b', title: 'Schlüssel veröffentlichen'}]};

const started: EventInput = {
	type: 'run-started',
	title: 'Inspect',
	runbookFile: 'runbook.json',
	target: 'rehearsal',
	operator: 'alice',
	session: 's1',
	variables: {app: 'lokaltreu-api', token: '«redacted»'},
	secretVariables: ['token'],
};

/** The events as the driver journals them, one second apart, and the state they fold into. */
const run = (inputs: EventInput[]) => {
	const events = inputs.map((input, index) => ({...input, ts: 1_000 + index * 1_000}) as EngineEvent);
	const state = events.reduce(reduce, initialState(runbook, links));
	return {events, state};
};

const blueImageRun: EventInput[] = [
	started,
	{type: 'step-started', phase: 'prep', step: 'blue-image', attempt: 1, argv: ['fly', 'releases', '--app', 'lokaltreu-api', '--json', '--image']},
	{type: 'step-output', phase: 'prep', step: 'blue-image', lines: ['$ fly releases --app lokaltreu-api --json --image', '[{"ImageRef": "registry.fly.io/lokaltreu-api:2.3.1"}]']},
	{type: 'step-finished', phase: 'prep', step: 'blue-image', status: 'passed', exitCode: 0, durationMs: 415, reason: 'exit code 0; captured blueImage', captured: {blueImage: 'registry.fly.io/lokaltreu-api:2.3.1'}},
];

describe('the detail of a step, read from the events', () => {
	it('given a command step that captured blue’s image, then it shows the argv as run, the exit code, the time and the captured value with where it came from', () => {
		const {events, state} = run(blueImageRun);
		const detail = stepDetail(state, events, {phase: 'prep', step: 'blue-image'})!;
		expect(detail.command).toEqual({argv: ['fly', 'releases', '--app', 'lokaltreu-api', '--json', '--image'], text: 'fly releases --app lokaltreu-api --json --image', source: 'as run'});
		expect(detail.status).toBe('passed');
		expect(detail.target).toBe('rehearsal');
		expect(detail.attempts).toEqual([
			{attempt: 1, startedAt: 2_000, finishedAt: 4_000, status: 'passed', exitCode: 0, durationMs: 415, reason: 'exit code 0; captured blueImage'},
		]);
		expect(detail.captured).toEqual([{name: 'blueImage', value: 'registry.fly.io/lokaltreu-api:2.3.1', secret: false, from: 'json $[0].ImageRef'}]);
		expect(detail.expectations).toEqual([{text: 'exit code 0', verdict: 'matched'}]);
	});

	it('given a step not run yet, then its command is planned with today’s values, captures of earlier steps included', () => {
		const {events, state} = run(blueImageRun);
		const detail = stepDetail(state, events, {phase: 'rollback', step: 'deploy-blue'})!;
		expect(detail.command).toEqual({argv: ['fly', 'deploy', '--image', 'registry.fly.io/lokaltreu-api:2.3.1'], text: 'fly deploy --image registry.fly.io/lokaltreu-api:2.3.1', source: 'planned'});
		expect(detail.attempts).toEqual([]);
	});

	it('given a journal from before argv was recorded, then the command is the runbook’s, said to be as written', () => {
		const {events, state} = run([started, {type: 'step-started', phase: 'prep', step: 'status', attempt: 1}]);
		expect(stepDetail(state, events, {phase: 'prep', step: 'status'})!.command).toMatchObject({text: 'fly status --app {{app}} --json', source: 'as written'});
	});

	it('given stdout did not match, then the exit code matched, the stdout expectation failed and the JSON one was not checked', () => {
		const {events, state} = run([
			started,
			{type: 'step-started', phase: 'prep', step: 'status', attempt: 1, argv: ['fly', 'status', '--app', 'lokaltreu-api', '--json']},
			{type: 'step-finished', phase: 'prep', step: 'status', status: 'failed', exitCode: 0, durationMs: 20, reason: 'stdout did not match /"started"/'},
			{type: 'step-started', phase: 'prep', step: 'status', attempt: 2, argv: ['fly', 'status', '--app', 'lokaltreu-api', '--json']},
		]);
		const running = stepDetail(state, events, {phase: 'prep', step: 'status'})!;
		// The second attempt is running: nothing judged yet, the first one listed with its result.
		expect(running.expectations.map((expectation) => expectation.verdict)).toEqual(['pending', 'pending', 'pending']);
		expect(running.attempts.map((attempt) => [attempt.attempt, attempt.status])).toEqual([
			[1, 'failed'],
			[2, 'running'],
		]);
		const first = run([started, ...events.slice(1, 3)]);
		expect(stepDetail(first.state, first.events, {phase: 'prep', step: 'status'})!.expectations).toEqual([
			{text: 'exit code 0', verdict: 'matched'},
			{text: 'stdout matches /"started"/', verdict: 'failed'},
			{text: 'stdout $.Machines[*].state = "started"', verdict: 'not checked'},
		]);
	});

	it('given a JSON expectation failed, then the checks before it matched and it names the failure', () => {
		const {events, state} = run([
			started,
			{type: 'step-started', phase: 'prep', step: 'status', attempt: 1},
			{type: 'step-finished', phase: 'prep', step: 'status', status: 'failed', exitCode: 0, durationMs: 20, reason: '$.Machines[*].state was "stopped" (expected "started")'},
		]);
		expect(stepDetail(state, events, {phase: 'prep', step: 'status'})!.expectations.map((expectation) => expectation.verdict)).toEqual(['matched', 'matched', 'failed']);
	});

	it('given a secret step’s capture, then it is marked secret whatever the journal holds', () => {
		const {events, state} = run([
			started,
			{type: 'step-started', phase: 'prep', step: 'token', attempt: 1, argv: ['mint-token']},
			{type: 'step-finished', phase: 'prep', step: 'token', status: 'passed', exitCode: 0, durationMs: 5, captured: {token: '«redacted»'}},
		]);
		expect(stepDetail(state, events, {phase: 'prep', step: 'token'})!.captured).toEqual([{name: 'token', value: '«redacted»', secret: true, from: 'regex /(\\S+)/'}]);
	});

	it('given an http step, then the request is shown with the values filled in and a wrong status fails the status expectation', () => {
		const {events, state} = run([
			started,
			{type: 'step-started', phase: 'prep', step: 'health', attempt: 1},
			{type: 'step-finished', phase: 'prep', step: 'health', status: 'failed', durationMs: 8, reason: 'HTTP 503 (expected 200)'},
		]);
		const detail = stepDetail(state, events, {phase: 'prep', step: 'health'})!;
		expect(detail.request).toEqual({method: 'GET', url: 'http://lokaltreu-api.internal/health'});
		expect(detail.expectations).toEqual([{text: 'HTTP status 200', verdict: 'failed'}]);
	});

	it('given a traffic step sampled longer than the state keeps, then every sample of the attempt is there, with the verdict of each weight', () => {
		const samples = (weight: number, values: number[]): EventInput[] =>
			values.flatMap((value): EventInput[] => [
				{type: 'gate-sampled', phase: 'switch', step: 'shift', gate: 0, metric: 'p95', colour: 'blue', value: 40, verdict: 'pass', weight},
				{
					type: 'gate-sampled',
					phase: 'switch',
					step: 'shift',
					gate: 0,
					metric: 'p95',
					colour: 'green',
					value,
					verdict: value > 300 ? 'fail' : 'pass',
					threshold: '≤ 300 ms',
					weight,
					...(value > 300 ? {reason: `p95 ${value} ms > 300 ms`} : {}),
				},
			]);
		const many = Array.from({length: 150}, (_, index) => 40 + (index % 7));
		const {events, state} = run([
			started,
			{type: 'step-started', phase: 'switch', step: 'shift', attempt: 1, argv: ['greenlight', 'shift', '--weight', '{{weight}}']},
			{type: 'traffic-shifted', phase: 'switch', step: 'shift', weight: 10},
			...samples(10, many),
			{type: 'traffic-shifted', phase: 'switch', step: 'shift', weight: 50},
			...samples(50, [45, 490, 512]),
			{type: 'step-finished', phase: 'switch', step: 'shift', status: 'failed', durationMs: 60_000, reason: 'at 50%: p95 512 ms > 300 ms'},
		]);
		const [gate] = stepDetail(state, events, {phase: 'switch', step: 'shift'})!.gates;
		expect(gate!.green).toHaveLength(153);
		expect(gate!.green.length).toBeGreaterThan(SERIES_LIMIT);
		expect(gate!.blue).toHaveLength(153);
		expect(gate!.threshold).toBe('≤ 300 ms');
		expect(gate!.title).toBe('p95 Latenz');
		expect(gate!.weights.map(({weight, samples, failed, verdict}) => ({weight, samples, failed, verdict}))).toEqual([
			{weight: 10, samples: 150, failed: 0, verdict: 'pass'},
			{weight: 50, samples: 3, failed: 2, verdict: 'fail'},
			{weight: 100, samples: 0, failed: 0, verdict: 'pending'},
		]);
		expect(gate!.weights[1]!.last).toMatchObject({value: 512, reason: 'p95 512 ms > 300 ms'});
	});

	it('given a retried watch, then the history is the latest attempt’s: earlier samples do not mix in', () => {
		const sample = (value: number): EventInput => ({type: 'gate-sampled', phase: 'switch', step: 'shift', gate: 0, metric: 'p95', colour: 'green', value, verdict: 'pass'});
		const {events, state} = run([
			started,
			{type: 'step-started', phase: 'switch', step: 'shift', attempt: 1},
			sample(900),
			{type: 'step-finished', phase: 'switch', step: 'shift', status: 'failed', durationMs: 10, reason: 'p95 900 ms > 300 ms'},
			{type: 'step-started', phase: 'switch', step: 'shift', attempt: 2},
			sample(50),
		]);
		const detail = stepDetail(state, events, {phase: 'switch', step: 'shift'})!;
		expect(detail.gates[0]!.green.map((point) => point.value)).toEqual([50]);
		expect(detail.attempts.map((attempt) => attempt.reason)).toEqual(['p95 900 ms > 300 ms', undefined]);
	});

	it('given a linked checklist, then its nested items are there with who ticked them', () => {
		const {events, state} = run([started, {type: 'step-ticked', phase: 'prep', step: 'jwks', operator: 'bob', item: 0}]);
		expect(stepDetail(state, events, {phase: 'prep', step: 'jwks'})!.items).toEqual([
			{id: 'a', title: 'Schlüssel erzeugen', ticked: true, by: 'bob'},
			{id: 'b', title: 'Schlüssel veröffentlichen', ticked: false},
		]);
	});

	it('given a step the runbook does not have, then there is no detail', () => {
		const {events, state} = run([started]);
		expect(stepDetail(state, events, {phase: 'prep', step: 'nope'})).toBeUndefined();
	});

	it('quotes argv elements a shell would split or read, and leaves plain ones as they are', () => {
		expect(quoteArgv(['fly', 'deploy', '--image', 'registry.fly.io/a:1', 'two words', 'say "hi"', ''])).toBe(
			'fly deploy --image registry.fly.io/a:1 "two words" "say \\"hi\\"" ""',
		);
	});
});
