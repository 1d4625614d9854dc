import {describe, expect, test} from 'vitest';
import {decideRoles, describeRoles, rolesJson} from '../../source/tools/roles.js';
import type {ListedMachine} from '../../source/tools/traffic-lever.js';

// The roles decision as a pure function of the two apps' `fly machine list --json`.

const EDGE = 'lokaltreu-api';
const OTHER = 'lokaltreu-api-green';

let next = 0;
const machine = (group: string, version: string, options: {cordoned?: boolean; state?: string} = {}): ListedMachine => {
	next += 1;
	return {
		id: `m${next}`,
		state: options.state ?? 'started',
		cordoned: options.cordoned ?? false,
		config: {metadata: {fly_process_group: group}, image: `registry.fly.io/lokaltreu-api:${version}`},
		image_ref: {repository: 'lokaltreu-api', tag: version},
	};
};
const many = (count: number, make: () => ListedMachine) => Array.from({length: count}, make);
/** The edge app with `app` API machines and `replay` replay machines in service (of four each). */
const edge = (app: number, replay: number, version = '2.4.0') => [
	...many(4, () => machine('app', version)).map((entry, index) => ({...entry, cordoned: index >= app})),
	...many(4, () => machine('replay', '2.3.1')).map((entry, index) => ({...entry, cordoned: index >= replay})),
];

describe('decideRoles', () => {
	test('given the edge app\'s app group in service and no replay machine, then the edge app is live and the other idle, with the versions each runs', () => {
		const decision = decideRoles(EDGE, OTHER, edge(4, 0), many(4, () => machine('app', '2.4.0')));
		expect(decision).toMatchObject({ok: true, live: EDGE, idle: OTHER, appInService: 4, appMachines: 4, replayInService: 0, replayMachines: 4});
		expect(describeRoles(decision)).toEqual([
			'live: lokaltreu-api (app group, 4 of 4 machines in service, 2.4.0)',
			'idle: lokaltreu-api-green (2.4.0)',
		]);
		expect(rolesJson(decision)).toMatchObject({live: EDGE, idle: OTHER, replayInService: 0, appInService: 4, refusal: null});
	});

	test('given the other app without machines (its first release), then it is idle with "no machines"', () => {
		const decision = decideRoles(EDGE, OTHER, edge(4, 0, '2.3.1'), []);
		expect(decision.ok).toBe(true);
		expect(describeRoles(decision)[1]).toBe('idle: lokaltreu-api-green (no machines)');
	});

	test('given every replay machine in service (a release switched fully and was never promoted), then it refuses, naming the counts and the way out', () => {
		const decision = decideRoles(EDGE, OTHER, edge(0, 4), many(4, () => machine('app', '2.4.0')));
		expect(decision.ok).toBe(false);
		expect(rolesJson(decision)).toMatchObject({live: null, idle: null, serving: [OTHER], replayInService: 4, appInService: 0});
		expect(describeRoles(decision)).toEqual([
			"lokaltreu-api-green carries production traffic (4 of 4 replay machines of lokaltreu-api in service): deploying into it would change production. Finish the last release's 'Green als neue Blue deklarieren' or roll it back (greenlight shift --weight 0) first.",
		]);
	});

	test('given a partial switch (both groups in service), then it refuses the same way, naming both counts', () => {
		const decision = decideRoles(EDGE, OTHER, edge(4, 1), []);
		expect(decision).toMatchObject({ok: false, serving: [EDGE, OTHER]});
		expect(rolesJson(decision).refusal).toContain('1 of 4 replay machines of lokaltreu-api in service, beside 4 of 4 app machines');
		expect(rolesJson(decision).refusal).toContain('greenlight shift --weight 0');
	});

	test('given no machine of the edge app in service, then it refuses: production has nothing to answer it', () => {
		const decision = decideRoles(EDGE, OTHER, edge(0, 0), []);
		expect(decision).toMatchObject({ok: false, serving: []});
		expect(rolesJson(decision).refusal).toMatch(/^no machine of lokaltreu-api is in service \(0 of 4 app, 0 of 4 replay/);
	});

	test('a stopped replay machine takes no traffic, cordoned or not; a machine without a group is in flyctl\'s default group "app"', () => {
		const stopped = {...machine('replay', '2.3.1'), state: 'stopped'};
		const ungrouped: ListedMachine = {id: 'bare', state: 'started', cordoned: false};
		const decision = decideRoles(EDGE, OTHER, [ungrouped, stopped], []);
		expect(decision).toMatchObject({ok: true, appInService: 1, replayMachines: 1, replayInService: 0});
	});
});
