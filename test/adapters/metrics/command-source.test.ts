import {describe, expect, it} from 'vitest';
import {createMetricReader} from '../../../source/adapters/metrics/metric-reader.js';
import type {MetricSource} from '../../../source/runbook/schema.js';

const reader = createMetricReader();
const node = (script: string, extra: Partial<Extract<MetricSource, {type: 'command'}>> = {}): MetricSource => ({
	type: 'command',
	run: [process.execPath, '-e', script, '{{tenant}}'],
	env: {FACTOR: '{{factor}}'},
	...extra,
});
const context = {variables: {tenant: 'acme', factor: '2'}, env: {}};

describe('command source', () => {
	it('given a command printing numbers, then the last number on stdout is the value', async () => {
		const script = 'console.log(`tenant ${process.argv[1]}: 12.5 ms`); console.log(`cost ${0.21 * Number(process.env.FACTOR)}`)';
		expect(await reader.read(node(script), context)).toEqual({value: 0.42});
	});

	it('given no number, a failing command or one that hangs, then unknown with the reason', async () => {
		expect((await reader.read(node('console.log("all good")'), context)).reason).toBe('node printed no number');
		expect((await reader.read(node('console.log(5); console.error("metrics api: 401"); process.exit(2)'), context)).reason).toBe(
			'node exited 2: metrics api: 401',
		);
		const started = Date.now();
		const hung = await reader.read(node('setTimeout(() => console.log(1), 10000)', {timeout: '300ms'}), context);
		expect(hung).toEqual({value: null, reason: 'node gave no number within 300 ms'});
		expect(Date.now() - started).toBeLessThan(3000);
	});

	it('given NaN printed, then it is no number at all', async () => {
		expect((await reader.read(node('console.log("NaN")'), context)).value).toBeNull();
	});
});
