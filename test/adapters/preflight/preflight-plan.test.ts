import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {flagValues, planPreflight} from '../../../source/adapters/preflight/preflight-plan.js';
import {resolveMetrics} from '../../../source/runbook/resolve.js';
import {Runbook} from '../../../source/runbook/schema.js';

const runbook = Runbook.parse({
	title: 'plan',
	variables: {app: {default: 'blue-app'}, greenApp: {default: 'green-app'}, conf: {default: 'deploy/fly.toml'}, flyBin: {}},
	metrics: {
		p95: {title: 'p95', green: {type: 'prometheus', url: 'https://prom', query: 'q', tokenEnv: 'FLY_API_TOKEN'}, blue: {type: 'command', run: ['./read-p95.sh']}},
	},
	phases: [
		{
			id: 'prep',
			title: 'Prep',
			steps: [
				{id: 'deploy', title: 'deploy', kind: 'command', run: ['fly', 'deploy', '--config', '{{conf}}', '--app={{greenApp}}'], cwd: 'ops'},
				{id: 'script', title: 'script', kind: 'command', run: ['echo "$1"', '{{app}}'], shell: true},
				{id: 'custom', title: 'custom fly', kind: 'command', run: ['{{flyBin}}', 'status', '-a', '{{app}}']},
			],
		},
		{id: 'switch', title: 'Switch', steps: [{id: 'shift', title: 'shift', kind: 'traffic', weights: [10, 50], bake: '1m', run: ['greenlight', 'shift', '--app', '{{app}}', '--green-app', '{{greenApp}}', '--weight', '{{weight}}']}]},
	],
	rollback: {title: 'Rollback', steps: [{id: 'back', title: 'back', kind: 'command', run: ['fly', 'deploy', '-c', '{{conf}}', '--app', '{{app}}', '--image', '{{blueImage}}']}]},
});

describe('what a preflight probes, read from the runbook', () => {
	const dir = '/srv/release';
	const plan = planPreflight(runbook, resolveMetrics(runbook, ''), {app: 'blue-app', greenApp: 'green-app', conf: 'deploy/fly.toml'}, dir);

	it('given steps of every phase and the rollback, then each program once with every step using it; shell scripts are not programs', () => {
		expect(plan.programs.map(({program, usedBy}) => ['value' in program ? program.value : `{{${program.missing}}}`, usedBy])).toEqual([
			['fly', ['prep/deploy']],
			['{{flyBin}}', ['prep/custom']],
			['greenlight', ['switch/shift']],
			['fly', ['rollback/back']],
			['./read-p95.sh', ['metric p95 blue']],
		]);
		expect(plan.programs[0]?.cwd).toBe(path.join(dir, 'ops'));
	});

	it('given --app, -a, --app= and greenlight shift\'s --green-app, then the apps; --config and -c files against the step\'s folder', () => {
		expect(plan.apps.map(({app, usedBy}) => [app, usedBy])).toEqual([
			['green-app', ['prep/deploy', 'switch/shift']],
			['blue-app', ['switch/shift', 'rollback/back']],
		]);
		expect(plan.files.map(({file, given}) => [given, file])).toEqual([
			['deploy/fly.toml', path.join(dir, 'ops/deploy/fly.toml')],
			['deploy/fly.toml', path.join(dir, 'deploy/fly.toml')],
		]);
	});

	it('given a program named by a variable without a value, then it is unresolved, not guessed; tokens and fly are found', () => {
		expect(plan.unresolved).toEqual([{variable: 'flyBin', usedBy: ['prep/custom']}]);
		expect(plan.tokens).toEqual([{name: 'FLY_API_TOKEN', usedBy: ['metric p95']}]);
		expect(plan.fly).toBe('fly');
		expect(plan.sources.map(({metric, colour}) => `${metric} ${colour}`)).toEqual(['p95 green', 'p95 blue']);
	});

	it('reads flag values in both spellings and ignores a flag at the end', () => {
		expect(flagValues(['fly', '--app', 'a', '--app=b', '-a', 'c', '--app'], ['--app', '-a'])).toEqual(['a', 'b', 'c']);
	});
});
