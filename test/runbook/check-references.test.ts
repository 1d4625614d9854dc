import {describe, expect, it} from 'vitest';
import {checkReferences} from '../../source/runbook/check-references.js';
import {formatJsonPath} from '../../source/runbook/json-position.js';
import type {z} from 'zod';
import {Runbook, Step, type RunbookInput} from '../../source/runbook/schema.js';

type StepInput = z.input<typeof Step>;

const problems = (input: RunbookInput) =>
	checkReferences(Runbook.parse(input)).map((problem) => `${formatJsonPath(problem.path)}: ${problem.message}`);

const capturing: StepInput = {
	id: 'find',
	title: 'Find image',
	kind: 'command',
	run: ['fly', 'releases'],
	capture: {image: {regex: 'image: (\\S+)'}},
};

const metric = (run: string[]) => ({title: 'p95', green: {type: 'command', run}}) as const;

describe('reference checks', () => {
	it('given a capture of an earlier phase, when a later phase and the rollback use it, then nothing is reported', () => {
		expect(
			problems({
				title: 't',
				phases: [
					{id: 'a', title: 'A', steps: [capturing]},
					{id: 'b', title: 'B', steps: [{id: 'use', title: 'Use', kind: 'command', run: ['deploy', '{{image}}']}]},
				],
				rollback: {title: 'R', steps: [{id: 'back', title: 'Back', kind: 'command', run: ['deploy', '{{image}}']}]},
			}),
		).toEqual([]);
	});

	it('given a step that uses its own capture, then it is told the value exists only after the step', () => {
		expect(
			problems({
				title: 't',
				phases: [{id: 'a', title: 'A', steps: [{...capturing, run: ['fly', 'releases', '{{image}}']}]}],
			}),
		).toEqual(['phases[0].steps[0].run[2]: {{image}} is captured by this very step, so it has no value until the step has finished']);
	});

	it('given {{weight}}, then it is defined only inside a traffic step\'s run', () => {
		const traffic: StepInput = {id: 'shift', title: 'Shift', kind: 'traffic', weights: [10, 100], bake: '1m', run: ['shift', '{{weight}}']};
		expect(problems({title: 't', phases: [{id: 'a', title: 'A', steps: [traffic]}]})).toEqual([]);
		expect(
			problems({title: 't', phases: [{id: 'a', title: 'A', steps: [{...traffic, title: 'Shift to {{weight}}%'}]}]}),
		).toEqual([
			'phases[0].steps[0].title: undefined variable {{weight}}: declare it in "variables" or capture it in an earlier step',
		]);
	});

	it('given a metric that reads a capture, when a gate before the capturing step uses it, then the gate is named', () => {
		const watch: StepInput = {id: 'watch', title: 'Watch', kind: 'watch', duration: '1m', gates: [{metric: 'p95', max: 1}]};
		const runbook = (steps: StepInput[]): RunbookInput => ({
			title: 't',
			metrics: {p95: metric(['query', '{{image}}'])},
			phases: [{id: 'a', title: 'A', steps}],
		});
		expect(problems(runbook([capturing, watch]))).toEqual([]);
		expect(problems(runbook([watch, capturing]))).toEqual([
			'phases[0].steps[0].gates[0].metric: metric "p95" reads {{image}} is captured by step "find", which runs later; use it only in steps after that one',
		]);
	});

	it('given a target overriding an unknown metric and an env value with an undefined variable, then both are reported', () => {
		expect(
			problems({
				title: 't',
				metrics: {p95: metric(['q'])},
				phases: [{id: 'a', title: 'A', steps: [{id: 'm', title: 'M', kind: 'manual'}]}],
				targets: {rehearsal: {env: {PATH: '{{sandboxBin}}:/usr/bin'}, metrics: {p59: {green: {type: 'command', run: ['q']}}}}},
			}),
		).toEqual([
			'targets.rehearsal.metrics.p59: target "rehearsal" overrides unknown metric "p59"; "metrics" defines: p95',
			'targets.rehearsal.env.PATH: undefined variable {{sandboxBin}}: declare it in "variables" or capture it in an earlier step',
		]);
	});

	it('given a step id reused by a rollback step, then the duplicate is reported across phases and rollback', () => {
		expect(
			problems({
				title: 't',
				phases: [{id: 'a', title: 'A', steps: [{id: 'switch', title: 'S', kind: 'manual'}]}],
				rollback: {title: 'R', steps: [{id: 'switch', title: 'S back', kind: 'manual'}]},
			}),
		).toEqual(['rollback.steps[0].id: duplicate step id "switch" (step ids are unique across all phases and the rollback)']);
	});

	it('given shell: true, then variables as later argv elements are fine', () => {
		expect(
			problems({
				title: 't',
				variables: {app: {default: 'api'}},
				phases: [
					{id: 'a', title: 'A', steps: [{id: 's', title: 'S', kind: 'command', shell: true, run: ['fly status --app "$1"', '{{app}}']}]},
				],
			}),
		).toEqual([]);
	});

	it('given minCount on a gate, then every source the gate reads must count observations, on every target', () => {
		const counted = {type: 'scrape', url: 'http://metrics/green', metric: 'lat', aggregate: 'quantile', quantile: 0.95} as const;
		expect(
			problems({
				title: 't',
				metrics: {
					p95: {title: 'p95', green: counted, blue: {type: 'prometheus', url: 'http://prom', query: 'x'}},
					cost: {title: 'cost', green: {type: 'scrape', url: 'http://metrics/green', metric: 'cost', aggregate: 'gauge'}},
				},
				phases: [
					{
						id: 'a',
						title: 'A',
						steps: [
							{id: 'w', title: 'W', kind: 'watch', duration: '1m', gates: [{metric: 'p95', maxRatioToBlue: 1.2, minCount: 50}, {metric: 'cost', max: 1, minCount: 5}]},
						],
					},
				],
				targets: {rehearsal: {metrics: {p95: {green: {type: 'command', run: ['p95']}}}}},
			}),
		).toEqual([
			'phases[0].steps[0].gates[0].minCount: minCount needs a count of observations, but metrics.p95.blue has no countQuery (PromQL for the observations in {{window}})',
			'phases[0].steps[0].gates[0].minCount: minCount needs a count of observations, but targets.rehearsal.metrics.p95.green is a command, which prints only its value',
			'phases[0].steps[0].gates[1].minCount: minCount needs a count of observations, but metrics.cost.green reads a gauge, which carries no count (read counters with "ratio" or "rate", or a histogram)',
		]);
	});

	it('given {{window}} in a metric source, then it is greenlight\'s own variable, not an undefined one', () => {
		expect(
			problems({
				title: 't',
				metrics: {errors: {title: 'errors', green: {type: 'prometheus', url: 'http://prom', query: 'sum(rate(x[{{window}}]))', countQuery: 'sum(increase(x[{{window}}]))'}}},
				phases: [{id: 'a', title: 'A', steps: [{id: 'w', title: 'W', kind: 'watch', duration: '1m', gates: [{metric: 'errors', max: 1, minCount: 10, window: 'bake'}]}]}],
			}),
		).toEqual([]);
	});

	it('given a traffic step whose share names an unknown metric, or asks minCount of a source that cannot count, then the share is named', () => {
		const traffic: StepInput = {id: 'shift', title: 'Shift', kind: 'traffic', weights: [20, 100], bake: '1m', run: ['shift', '{{weight}}'], share: {metric: 'greenShar', tolerance: 10}};
		expect(problems({title: 't', metrics: {greenShare: metric(['share'])}, phases: [{id: 'a', title: 'A', steps: [traffic]}]})).toEqual([
			'phases[0].steps[0].share.metric: unknown metric "greenShar" (did you mean "greenShare"?); "metrics" defines: greenShare',
		]);
		expect(
			problems({title: 't', metrics: {greenShare: metric(['share'])}, phases: [{id: 'a', title: 'A', steps: [{...traffic, share: {metric: 'greenShare', tolerance: 10, minCount: 200}}]}]}),
		).toEqual(['phases[0].steps[0].share.minCount: minCount needs a count of observations, but metrics.greenShare.green is a command, which prints only its value']);
	});

	it('given a gate on a metric of the synthetic load, then only a watch that drives a load may have it; the load\'s own rules are the schema\'s', () => {
		const metrics = {syntheticErrors: {title: 'Fehler der synthetischen Last', green: {type: 'load', stat: 'errors'}}} as const;
		const gates = [{metric: 'syntheticErrors', max: 1, minCount: 100}];
		const load = {url: 'http://green', openapi: 'api.yaml', rate: 20};
		const watch: StepInput = {id: 'watch', title: 'Watch', kind: 'watch', duration: '1m', load, gates};
		expect(problems({title: 't', metrics, phases: [{id: 'a', title: 'A', steps: [watch]}]})).toEqual([]);
		expect(problems({title: 't', metrics, phases: [{id: 'a', title: 'A', steps: [{id: 'watch', title: 'Watch', kind: 'watch', duration: '1m', gates}]}]})).toEqual([
			'phases[0].steps[0].gates[0].metric: metric "syntheticErrors" reads the synthetic load of its step (type "load"), but this watch step drives none: give the watch a "load"',
		]);
		const refused = (extra: object) => Runbook.safeParse({title: 't', metrics, phases: [{id: 'a', title: 'A', steps: [{...watch, load: {...load, ...extra}}]}]}).error?.issues.map((issue) => issue.message);
		expect(refused({connections: 40})).toEqual(['connections must not exceed rate (each connection sends at least one request a second)']);
		expect(refused({bodies: {verifyToken: '{}'}})).toEqual(['bodies are for operations named in "operations"']);
		expect(refused({operations: ['verifyToken'], bodies: {verifyToken: '{}'}})).toBeUndefined();
	});
});


describe('defaults naming variables', () => {
	const phases = [{id: 'a', title: 'A', steps: [{id: 'told', title: 'Told', kind: 'manual' as const}]}];

	it('given defaults naming an undeclared, a secret and a templated variable, then each is reported at the default', () => {
		expect(
			problems({
				title: 't',
				variables: {
					flyOrg: {default: 'lokaltreu'},
					token: {env: 'T', secret: true},
					url: {default: 'https://x/{{flyOrg}}'},
					typo: {default: 'https://x/{{flyorg}}'},
					leak: {default: 'https://x/{{token}}'},
					chain: {default: '{{url}}/api'},
				},
				phases,
			}),
		).toEqual([
			'variables.typo.default: undefined variable {{flyorg}} in a default: a default may name declared variables only (did you mean "flyOrg"?)',
			'variables.leak.default: {{token}} is secret; a default must not carry a secret into a value that is shown',
			'variables.chain.default: {{url}} has a default that names variables itself; a default may name only variables whose defaults are plain',
		]);
	});
});
