import {mkdtempSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {validateFile} from '../../source/runbook/load.js';

// A runbook of the right shape can still say what must never run: each is named with FILE:LINE:COL.

const validate = async (steps: unknown[], extra: Record<string, unknown> = {}) => {
	const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'gl-safety-')), 'runbook.json');
	const runbook = {title: 'Safety', variables: {sub: {default: 'x'}}, metrics: {p95: {title: 'p95', green: {type: 'command', run: ['echo', '1']}}}, phases: [{id: 'p', title: 'P', steps}], ...extra};
	writeFileSync(file, JSON.stringify(runbook, null, '\t'));
	return validateFile(file);
};

describe('validation refuses what must never run', () => {
	it('given {{sub}} inside bash -c, behind env, or after ssh host, then each is refused where it stands', async () => {
		const result = await validate([
			{id: 'a', title: 'A', kind: 'command', run: ['bash', '-c', 'echo deploying {{sub}}']},
			{id: 'b', title: 'B', kind: 'command', run: ['env', 'X=1', 'sh', '-c', 'run {{sub}}']},
			{id: 'c', title: 'C', kind: 'command', run: ['ssh', 'bastion', 'systemctl', 'restart', '{{sub}}']},
			{id: 'd', title: 'D', kind: 'command', run: ['bash', '-c', 'echo "$1"', 'greenlight', '{{sub}}']},
		]);
		expect(result.exitCode).toBe(2);
		expect(result.lines).toHaveLength(3);
		expect(result.lines[0]).toMatch(/runbook\.json:\d+:\d+: phases\[0\]\.steps\[0\]\.run\[2\]: \{\{sub\}\} stands where a shell or an interpreter runs code/);
		expect(result.lines[1]).toMatch(/steps\[1\]\.run\[4\]/);
		expect(result.lines[2]).toMatch(/steps\[2\]\.run\[4\]/);
	});

	it('given bounds that cannot hold, waits of zero, too fast or longer than a day, and weights that go back, then each is named', async () => {
		const result = await validate([
			{id: 'w', title: 'W', kind: 'watch', duration: '999999h', interval: '0ms', gates: [{metric: 'p95', min: 10, max: 5}]},
			{id: 'c', title: 'C', kind: 'command', run: ['true'], timeout: '0s'},
			{id: 't', title: 'T', kind: 'traffic', weights: [50, 10, 100, 0], bake: '1m', run: ['shift', '{{weight}}'], gates: [{metric: 'p95', max: 300}]},
		]);
		expect(result.exitCode).toBe(2);
		const text = result.lines.join('\n');
		expect(text).toMatch(/steps\[0\]\.duration: duration "999999h" is longer than a day/);
		expect(text).toMatch(/steps\[0\]\.interval: interval "0ms" is zero/);
		expect(text).toMatch(/steps\[0\]\.gates\[0\]\.min: min 10 is above max 5/);
		expect(text).toMatch(/steps\[1\]\.timeout: timeout "0s" is zero: a timeout of zero would mean none/);
		expect(text).toMatch(/steps\[2\]\.weights\[1\]: weight 10 after 50: the weights of a traffic step must increase/);
		expect(text).toMatch(/steps\[2\]\.weights\[3\]: weight 0 after 100/);
		for (const line of result.lines) expect(line).toMatch(/^.*runbook\.json:\d+:\d+: /);
	});

	it('given a step back to blue whose weights decrease to 0, then it is valid; one that stops above 0 on its way back is not', async () => {
		const back = await validate([
			{id: 'a', title: 'A', kind: 'traffic', weights: [0], bake: '1m', run: ['shift', '{{weight}}'], gates: [{metric: 'p95', max: 300}]},
			{id: 'b', title: 'B', kind: 'traffic', weights: [50, 0], bake: '1m', run: ['shift', '{{weight}}'], gates: [{metric: 'p95', max: 300}]},
		]);
		expect(back.exitCode, back.lines.join('\n')).toBe(0);
		const halfway = await validate([{id: 'c', title: 'C', kind: 'traffic', weights: [50, 20], bake: '1m', run: ['shift', '{{weight}}'], gates: [{metric: 'p95', max: 300}]}]);
		expect(halfway.lines.join('\n')).toMatch(/weights\[1\]: weight 20 after 50: the weights of a traffic step must increase \(or, for a step back to blue, decrease to 0\)/);
	});

	it('given an interval of 50 ms, then it is refused as too fast', async () => {
		const result = await validate([{id: 'w', title: 'W', kind: 'watch', duration: '1m', interval: '50ms', gates: [{metric: 'p95', max: 5}]}]);
		expect(result.lines.join('\n')).toMatch(/interval "50ms" is shorter than 100 ms/);
	});
});
