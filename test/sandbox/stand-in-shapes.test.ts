import {readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {BLUE, GREEN, openWorld, RELEASE_SHA, type World} from '../fixtures/upstream/stand-in-world.js';

// Every stand-in command the runbooks use, run for real and held against a sample of what upstream
// flyctl and gh print (test/fixtures/upstream, README.md there names each sample's source): same
// keys, same JSON types, same nesting, same omissions. A stand-in that drifts fails here.

const fixturesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'upstream');
const fixture = (name: string): unknown => JSON.parse(readFileSync(path.join(fixturesDir, name), 'utf8'));

const kind = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/** A fixture object whose keys are all "<…>" is a map: any keys, values shaped like one of its values. */
const isMap = (value: object): boolean => Object.keys(value).length > 0 && Object.keys(value).every((key) => /^<.+>$/.test(key));

/**
 * Where `actual` is not shaped like `expected`, or undefined. Arrays in a fixture list variants (each
 * actual element must match one; [] only matches []); objects must have exactly the fixture's keys.
 */
const shapeMismatch = (actual: unknown, expected: unknown, at = '$'): string | undefined => {
	if (kind(actual) !== kind(expected)) return `${at}: ${kind(actual)} where upstream has ${kind(expected)}`;
	if (Array.isArray(expected)) {
		const items = actual as unknown[];
		if (expected.length === 0) return items.length === 0 ? undefined : `${at}: ${items.length} element(s) where upstream has []`;
		if (items.length === 0) return `${at}: [] where upstream never prints an empty list (omitempty leaves it out)`;
		for (const [index, item] of items.entries()) {
			const misses = expected.map((variant) => shapeMismatch(item, variant, `${at}[${index}]`));
			if (misses.every((miss) => miss !== undefined)) return misses.sort((first, second) => (second as string).length - (first as string).length)[0];
		}
		return undefined;
	}
	if (kind(expected) !== 'object') return undefined;
	const want = expected as Record<string, unknown>;
	const got = actual as Record<string, unknown>;
	if (isMap(want)) {
		for (const [key, value] of Object.entries(got)) {
			const misses = Object.values(want).map((variant) => shapeMismatch(value, variant, `${at}.${key}`));
			if (misses.every((miss) => miss !== undefined)) return misses[0];
		}
		return undefined;
	}
	const missing = Object.keys(want).filter((key) => !(key in got));
	if (missing.length > 0) return `${at}: missing ${missing.join(', ')}`;
	const extra = Object.keys(got).filter((key) => !(key in want));
	if (extra.length > 0) return `${at}: ${extra.join(', ')} that upstream does not print here`;
	for (const key of Object.keys(want)) {
		const miss = shapeMismatch(got[key], want[key], `${at}.${key}`);
		if (miss) return miss;
	}
	return undefined;
};

describe('the shape comparison', () => {
	test('given a missing key, an extra key, a wrong type or an empty list upstream omits, then it names the path', () => {
		expect(shapeMismatch({a: 1}, {a: 1, b: 's'})).toBe('$: missing b');
		expect(shapeMismatch({a: 1, c: true}, {a: 1})).toBe('$: c that upstream does not print here');
		expect(shapeMismatch({a: '1'}, {a: 1})).toBe('$.a: string where upstream has number');
		expect(shapeMismatch({checks: []}, {checks: [{name: 'x'}]})).toMatch(/^\$\.checks: \[\] where upstream never prints an empty list/);
		expect(shapeMismatch({m1: [], m2: [{name: 'x'}]}, {'<id>': [{name: 'x'}], '<id without>': []})).toBeUndefined();
		expect(shapeMismatch([{a: 1}, {b: null}], [{a: 0}, {b: null}])).toBeUndefined();
		expect(shapeMismatch([{a: 1, b: 2}], [{a: 0}, {b: 0}])).toMatch(/that upstream does not print here/);
	});
});

describe('the stand-ins speak upstream shapes', () => {
	let world: World;
	beforeAll(() => {
		world = openWorld({runs: [], outcomes: {ci: ['success', 'failure']}});
	});
	afterAll(() => world.dispose());

	const json = async (program: 'fly' | 'gh', args: string[]): Promise<unknown> => {
		const result = await world.run(program, args);
		expect(result.stderr).toBe('');
		expect(result.exitCode).toBe(0);
		return JSON.parse(result.stdout);
	};

	test('fly status --json, for an app with every kind of machine and for one whose machines have no checks, has the shape of flyctl status/machines.go', async () => {
		expect(shapeMismatch(await json('fly', ['status', '--app', BLUE, '--json']), fixture('fly-status.json'))).toBeUndefined();
		expect(shapeMismatch(await json('fly', ['status', '--app', GREEN, '--json']), fixture('fly-status.json'))).toBeUndefined();
	});

	test('fly machine list --json has the shape of fly-go Machines, and every machine variant of the sample occurs', async () => {
		const listed = [...((await json('fly', ['machine', 'list', '--app', BLUE, '--json'])) as unknown[]), ...((await json('fly', ['machine', 'list', '--app', GREEN, '--json'])) as unknown[])];
		const variants = fixture('fly-machine-list.json') as unknown[];
		expect(shapeMismatch(listed, variants)).toBeUndefined();
		const used = new Set(listed.map((machine) => variants.findIndex((variant) => shapeMismatch(machine, variant) === undefined)));
		expect([...used].sort()).toEqual(variants.map((_, index) => index));
	});

	test('fly checks list --json has the shape of flyctl checks/list.go: an object keyed by machine id', async () => {
		expect(shapeMismatch(await json('fly', ['checks', 'list', '--app', BLUE, '--json']), fixture('fly-checks-list.json'))).toBeUndefined();
		expect(shapeMismatch(await json('fly', ['checks', 'list', '--app', GREEN, '--json']), fixture('fly-checks-list.json'))).toBeUndefined();
	});

	test('fly releases --json --image has the shape of fly-go Release', async () => {
		expect(shapeMismatch(await json('fly', ['releases', '--app', BLUE, '--json', '--image']), fixture('fly-releases.json'))).toBeUndefined();
	});

	test('fly scale show --json has the shape of flyctl scale/show_machines.go', async () => {
		expect(shapeMismatch(await json('fly', ['scale', 'show', '--app', BLUE, '--json']), fixture('fly-scale-show.json'))).toBeUndefined();
	});

	test('fly secrets list --json has the shape of flyctl secrets/list.go', async () => {
		expect(shapeMismatch(await json('fly', ['secrets', 'list', '--app', BLUE, '--json']), fixture('fly-secrets-list.json'))).toBeUndefined();
	});

	test('gh run list --json with every field has the shape of cli/cli run/shared RunFields, and the runbook subset is a slice of it', async () => {
		const all = ['attempt', 'conclusion', 'createdAt', 'databaseId', 'displayTitle', 'event', 'headBranch', 'headSha', 'name', 'number', 'startedAt', 'status', 'updatedAt', 'url', 'workflowDatabaseId', 'workflowName'];
		const runs = await json('gh', ['run', 'list', '--repo', 'lokaltreu/lokaltreu', '--commit', RELEASE_SHA, '--json', all.join(',')]);
		expect(shapeMismatch(runs, fixture('gh-run-list.json'))).toBeUndefined();
		const subset = ['workflowName', 'conclusion', 'headSha'];
		const sample = (fixture('gh-run-list.json') as Array<Record<string, unknown>>).map((run) => Object.fromEntries(subset.map((field) => [field, run[field]])));
		const picked = await json('gh', ['run', 'list', '--repo', 'lokaltreu/lokaltreu', '--commit', RELEASE_SHA, '--json', subset.join(',')]);
		expect(shapeMismatch(picked, sample)).toBeUndefined();
	});
});
