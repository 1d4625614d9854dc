import {describe, expect, test} from 'vitest';
import {captureValue, jsonPathMatches} from '../../source/adapters/capture.js';

describe('capture by regex', () => {
	test('given a regex with a group, when it matches, then the first group is the value', async () => {
		expect(await captureValue({regex: 'image: (\\S+)'}, 'deploying\nimage: registry.fly.io/app:v42\ndone')).toEqual({
			ok: true,
			value: 'registry.fly.io/app:v42',
		});
	});

	test('given a regex without a group, when it matches, then the whole match is the value', async () => {
		expect(await captureValue({regex: 'v\\d+'}, 'release v17 ready')).toEqual({ok: true, value: 'v17'});
	});

	test('given anchors, when output has several lines, then ^ and $ match at line ends', async () => {
		expect(await captureValue({regex: '^version=(.*)$'}, 'noise\nversion=2.4.1\nmore')).toEqual({ok: true, value: '2.4.1'});
	});

	test('given no match, then the reason names the pattern', async () => {
		expect(await captureValue({regex: 'image: (\\S+)'}, 'nothing here')).toEqual({
			ok: false,
			reason: 'no match for /image: (\\S+)/',
		});
	});
});

describe('capture by JSON path', () => {
	const machines = JSON.stringify({
		Machines: [
			{id: 'm-1', state: 'started', config: {image: 'app:v1'}},
			{id: 'm-2', state: 'stopped', config: {image: 'app:v1'}},
		],
		count: 2,
	});

	test('given one match, then its string is the value', async () => {
		expect(await captureValue({json: '$.Machines[0].id'}, machines)).toEqual({ok: true, value: 'm-1'});
	});

	test('given several matches, then they are joined with ","', async () => {
		expect(await captureValue({json: '$.Machines[*].id'}, machines)).toEqual({ok: true, value: 'm-1,m-2'});
	});

	test('given a non-string match, then it becomes JSON text', async () => {
		expect(await captureValue({json: '$.count'}, machines)).toEqual({ok: true, value: '2'});
		expect(await captureValue({json: '$.Machines[0].config'}, machines)).toEqual({ok: true, value: '{"image":"app:v1"}'});
	});

	test('given leading noise before the JSON, then the JSON after it is read', async () => {
		expect(await captureValue({json: '$.Machines[1].state'}, `Fetching machines... done\n${machines}\n`)).toEqual({
			ok: true,
			value: 'stopped',
		});
	});

	test('given a filter, then only the matching items count', async () => {
		expect(await captureValue({json: '$.Machines[?(@.state=="started")].id'}, machines)).toEqual({ok: true, value: 'm-1'});
	});

	test('given nothing at the path, then the reason names the path', async () => {
		expect(await captureValue({json: '$.Volumes[*].id'}, machines)).toEqual({ok: false, reason: 'nothing at $.Volumes[*].id'});
	});

	test('given output that is not JSON, then the reason says so', async () => {
		expect(await captureValue({json: '$.id'}, 'Error: not logged in')).toEqual({
			ok: false,
			reason: 'output is not JSON, so $.id cannot be read',
		});
	});
});

describe('jsonPathMatches', () => {
	test('given scalars and null, then "$" is the document itself', async () => {
		expect(jsonPathMatches('$', null)).toEqual([null]);
		expect(jsonPathMatches('$', 'ok')).toEqual(['ok']);
		expect(jsonPathMatches('$.a', null)).toEqual([]);
	});
});

describe('capture: a runbook regex cannot freeze greenlight', () => {
	test('given a catastrophic pattern, when it runs over 28 characters, then it is stopped within its budget with a reason and the event loop kept ticking', async () => {
		let ticks = 0;
		const ticker = setInterval(() => ticks++, 20);
		const result = await captureValue({regex: '^(a+)+$'}, `${'a'.repeat(28)}!`);
		clearInterval(ticker);
		expect(result).toMatchObject({ok: false, reason: expect.stringMatching(/^regex \/\^\(a\+\)\+\$\/ took longer than \d+ ms on 29 characters and was stopped/)});
		// The regex ran on a thread of its own: greenlight's timers went on while it backtracked (a blocked loop ticks once at most).
		expect(ticks).toBeGreaterThan(5);
		// And the next regex works again, on a fresh worker.
		expect(await captureValue({regex: 'v(\\d+)'}, 'release v17')).toEqual({ok: true, value: '17'});
	});

	test('given an invalid pattern, then the reason says so instead of throwing', async () => {
		expect(await captureValue({regex: '(unclosed'}, 'text')).toMatchObject({ok: false, reason: expect.stringMatching(/^invalid regex \/\(unclosed\/: /)});
	});
});
