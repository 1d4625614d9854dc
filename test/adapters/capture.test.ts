import {describe, expect, test} from 'vitest';
import {captureValue, jsonPathMatches} from '../../source/adapters/capture.js';

describe('capture by regex', () => {
	test('given a regex with a group, when it matches, then the first group is the value', () => {
		expect(captureValue({regex: 'image: (\\S+)'}, 'deploying\nimage: registry.fly.io/app:v42\ndone')).toEqual({
			ok: true,
			value: 'registry.fly.io/app:v42',
		});
	});

	test('given a regex without a group, when it matches, then the whole match is the value', () => {
		expect(captureValue({regex: 'v\\d+'}, 'release v17 ready')).toEqual({ok: true, value: 'v17'});
	});

	test('given anchors, when output has several lines, then ^ and $ match at line ends', () => {
		expect(captureValue({regex: '^version=(.*)$'}, 'noise\nversion=2.4.1\nmore')).toEqual({ok: true, value: '2.4.1'});
	});

	test('given no match, then the reason names the pattern', () => {
		expect(captureValue({regex: 'image: (\\S+)'}, 'nothing here')).toEqual({
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

	test('given one match, then its string is the value', () => {
		expect(captureValue({json: '$.Machines[0].id'}, machines)).toEqual({ok: true, value: 'm-1'});
	});

	test('given several matches, then they are joined with ","', () => {
		expect(captureValue({json: '$.Machines[*].id'}, machines)).toEqual({ok: true, value: 'm-1,m-2'});
	});

	test('given a non-string match, then it becomes JSON text', () => {
		expect(captureValue({json: '$.count'}, machines)).toEqual({ok: true, value: '2'});
		expect(captureValue({json: '$.Machines[0].config'}, machines)).toEqual({ok: true, value: '{"image":"app:v1"}'});
	});

	test('given leading noise before the JSON, then the JSON after it is read', () => {
		expect(captureValue({json: '$.Machines[1].state'}, `Fetching machines... done\n${machines}\n`)).toEqual({
			ok: true,
			value: 'stopped',
		});
	});

	test('given a filter, then only the matching items count', () => {
		expect(captureValue({json: '$.Machines[?(@.state=="started")].id'}, machines)).toEqual({ok: true, value: 'm-1'});
	});

	test('given nothing at the path, then the reason names the path', () => {
		expect(captureValue({json: '$.Volumes[*].id'}, machines)).toEqual({ok: false, reason: 'nothing at $.Volumes[*].id'});
	});

	test('given output that is not JSON, then the reason says so', () => {
		expect(captureValue({json: '$.id'}, 'Error: not logged in')).toEqual({
			ok: false,
			reason: 'output is not JSON, so $.id cannot be read',
		});
	});
});

describe('jsonPathMatches', () => {
	test('given scalars and null, then "$" is the document itself', () => {
		expect(jsonPathMatches('$', null)).toEqual([null]);
		expect(jsonPathMatches('$', 'ok')).toEqual(['ok']);
		expect(jsonPathMatches('$.a', null)).toEqual([]);
	});
});
