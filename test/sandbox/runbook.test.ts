import {readFileSync} from 'node:fs';
import {describe, expect, test} from 'vitest';
import {Runbook, type Step} from '../../source/runbook/schema.js';
import {substituteArgv} from '../../source/runbook/template.js';
import {parseFly} from '../../source/sandbox/fly/parse-argv.js';

const runbook = Runbook.parse(JSON.parse(readFileSync(new URL('../../runbook.json', import.meta.url), 'utf8')));

const allSteps = (): Array<{where: string; step: Step}> => [
	...runbook.phases.flatMap((phase) => phase.steps.map((step) => ({where: phase.id, step}))),
	...(runbook.rollback?.steps ?? []).map((step) => ({where: 'rollback', step})),
];

// Values as a rehearsal would have them: declared defaults and target values, captures, the weight.
const values: Record<string, string> = {
	...Object.fromEntries(Object.entries(runbook.variables).map(([name, variable]) => [name, variable.default ?? `<${name}>`])),
	...runbook.targets.rehearsal?.variables,
	blueMachines: '3d8d0000001ef0,3d8d0000003dde',
	blueImage: 'registry.fly.io/lokaltreu-api:2.3.1',
	greenMachines: '3d8d0000011668',
	weight: '25',
};

describe('the committed runbook.json', () => {
	test('parses with the runbook schema and encodes every phase of the seed with German titles', () => {
		expect(runbook.phases.map((phase) => phase.title)).toEqual([
			'Voraussetzungen',
			'Vorbereitung (Blue läuft produktiv)',
			'Smoke-Tests & Health-Checks',
			'Traffic-Switch (Canary → Full)',
			'Post-Switch Validation',
			'Nacharbeiten',
		]);
		expect(runbook.rollback?.title).toBe('Rollback');
		const titles = allSteps().map(({step}) => step.title);
		expect(titles).toContain('Schrittweise Traffic-Anteile erhöhen (`fly alloc --set-primary`).');
		expect(titles).toContain('`fly alloc --set-primary <blue-id>` → Switch zurück auf Blue.');
		expect(titles).toContain('Datenbank-Migrationen im Expand-Contract-Status (Schema-Kompatibilität geprüft).');
	});

	test('no step runs fly alloc: the seed words stay in the titles, the real lever runs', () => {
		for (const {step} of allSteps()) {
			if (step.kind === 'command' || step.kind === 'traffic') expect(step.run.join(' ')).not.toContain('alloc');
		}
	});

	test('every traffic step has gates, and p95 is compared with blue where both colours take traffic', () => {
		const traffic = allSteps().filter(({step}) => step.kind === 'traffic');
		expect(traffic.length).toBeGreaterThan(0);
		for (const {step} of traffic) if (step.kind === 'traffic') expect(step.gates.length).toBeGreaterThan(0);
		const first = traffic[0]?.step;
		expect(first?.kind === 'traffic' && first.gates.some((gate) => gate.metric === 'p95' && gate.maxRatioToBlue !== undefined)).toBe(true);
	});

	test('the rollback uses the captured blue machines and image and ends by measuring traffic back on blue', () => {
		const steps = runbook.rollback?.steps ?? [];
		const argvs = steps.flatMap((step) => (step.kind === 'command' ? [step.run.join(' ')] : []));
		expect(argvs.some((argv) => argv.includes('{{blueMachines}}'))).toBe(true);
		expect(argvs.some((argv) => argv.includes('{{blueImage}}'))).toBe(true);
		const last = steps.at(-1);
		expect(last?.kind).toBe('watch');
		expect(last?.kind === 'watch' && last.gates.map((gate) => gate.metric)).toEqual(['greenShare']);
	});

	test('roles, not names: the first step of Vorbereitung reads the roles from live state and fails the release before any deploy when the green app carries traffic', () => {
		const vorbereitung = runbook.phases.find((phase) => phase.id === 'vorbereitung')?.steps ?? [];
		const first = vorbereitung[0];
		expect(first?.id).toBe('rollen');
		expect(first?.kind === 'command' && first.run).toEqual(['greenlight', 'roles', '--app', '{{app}}', '--green-app', '{{greenApp}}', '--json']);
		expect(first?.kind === 'command' && first.expect?.exitCode).toBe(0);
		const ordered = runbook.phases.flatMap((phase) => phase.steps);
		const firstDeploy = ordered.findIndex((step) => step.kind === 'command' && step.run[0] === 'fly' && step.run[1] === 'deploy');
		expect(ordered.findIndex((step) => step.id === 'rollen')).toBeLessThan(firstDeploy);
	});

	test('Green als neue Blue deklarieren: the released image goes into the edge app\'s app group only, then traffic returns to weight 0, gated on the edge app and on green\'s share', () => {
		const steps = runbook.phases.find((phase) => phase.id === 'nacharbeiten')?.steps ?? [];
		const promote = steps.find((step) => step.id === 'green-wird-blue');
		expect(promote?.kind === 'command' && promote.run).toEqual([
			'fly', 'deploy', '--config', '{{blueConfig}}', '--app', '{{app}}', '--image', '{{imageRepository}}:{{version}}', '--process-groups', 'app', '--strategy', 'rolling',
		]);
		const back = steps[steps.indexOf(promote as Step) + 1];
		expect(back?.kind === 'traffic' && back.weights).toEqual([0]);
		expect(back?.kind === 'traffic' && back.run).toContain('{{weight}}');
		expect(back?.kind === 'traffic' && back.gates.map((gate) => gate.metric)).toEqual(['promotedP95', 'promotedErrors']);
		// The promoted metrics judge the edge app: its "green" source is the app that takes the traffic back.
		const production = runbook.metrics.promotedP95?.green;
		expect(production?.type === 'prometheus' && production.query).toContain('app="{{app}}"');
	});

	test('Nacharbeiten export the release record and the snapshot', () => {
		const exports = runbook.phases.find((phase) => phase.id === 'nacharbeiten')?.steps.flatMap((step) => (step.kind === 'export' ? [step.what] : []));
		expect(exports?.sort()).toEqual(['release-record', 'snapshot']);
	});

	test('every fly argv in it is one the stand-in accepts', () => {
		const flyArgvs = allSteps()
			.flatMap(({step}) => (step.kind === 'command' || step.kind === 'traffic' ? [step.run] : []))
			.filter((argv) => argv[0] === 'fly');
		expect(flyArgvs.length).toBeGreaterThanOrEqual(8);
		for (const argv of flyArgvs) {
			const parsed = parseFly(substituteArgv(argv, values).slice(1));
			expect(parsed, argv.join(' ')).toMatchObject({ok: true});
		}
	});

	test('the stand-in refuses what flyctl would refuse', () => {
		expect(parseFly(['alloc', '--set-primary', 'x'])).toEqual({ok: false, message: 'unknown command "alloc" for "fly"'});
		expect(parseFly(['deploy', '--app', 'a', '--canary'])).toEqual({ok: false, message: 'unknown flag: --canary'});
		expect(parseFly(['scale', 'count', '--app', 'a'])).toEqual({ok: false, message: 'accepts 1 arg(s), received 0'});
	});

	test('the rehearsal target reads every metric of Fly\'s Prometheus from the sandbox; the synthetic load\'s own figures are the same in both', () => {
		const overrides = runbook.targets.rehearsal?.metrics ?? {};
		for (const [id, metric] of Object.entries(runbook.metrics)) {
			if (metric.green.type === 'load') {
				expect(overrides[id], id).toBeUndefined();
				continue;
			}
			expect(overrides[id]?.green?.type, id).toBe('scrape');
			if (metric.blue) expect(overrides[id]?.blue?.type, id).toBe('scrape');
		}
	});

	test('every traffic step gates on the share green really served, and the smoke watch drives load at green\'s own hostname from the contract', () => {
		const traffic = allSteps().flatMap(({step}) => (step.kind === 'traffic' ? [step] : []));
		expect(traffic.map((step) => step.share)).toEqual(traffic.map(() => expect.objectContaining({metric: 'greenShare', tolerance: 10})));
		const smoke = runbook.phases.find((phase) => phase.id === 'smoke')?.steps.find((step) => step.id === 'observability');
		expect(smoke?.kind === 'watch' && smoke.load).toMatchObject({url: '{{greenUrl}}', openapi: '{{openapi}}', rate: 20});
		expect(smoke?.kind === 'watch' && smoke.gates.map((gate) => gate.metric)).toContain('syntheticErrors');
		// The production query: green's responses against both apps', over the gate's window.
		const production = runbook.metrics.greenShare?.green;
		expect(production?.type === 'prometheus' && production.query).toContain('[{{window}}]');
		expect(production?.type === 'prometheus' && production.countQuery).toContain('app=~"{{app}}|{{greenApp}}"');
	});
});
