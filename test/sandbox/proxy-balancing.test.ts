import {describe, expect, test} from 'vitest';
import {chooseMachine, DEFAULT_SOFT_LIMIT, loadBand, type BalancedMachine} from '../../source/sandbox/proxy-balancing.js';

// The rehearsal's proxy picks a machine as Fly documents for its own: least loaded (by band against
// soft_limit and hard_limit), then closest, then at random among equals.

type Named = BalancedMachine & {id: string};
const machine = (id: string, inFlight = 0, rttMs = 1, limits: Partial<BalancedMachine> = {}): Named => ({id, inFlight, rttMs, ...limits});

/** A fixed sequence of "random" numbers, so a pick among equals is reproducible. */
const draws = (...values: number[]) => {
	let index = 0;
	return () => values[index++ % values.length] as number;
};

describe('the proxy\'s choice of a machine', () => {
	test('given machines below their soft limit and equally close, then the pick is at random among all, not the least busy', () => {
		const machines = [machine('a', 0), machine('b', 5), machine('c', 19)];
		expect(chooseMachine(machines, draws(0))?.id).toBe('a');
		expect(chooseMachine(machines, draws(0.5))?.id).toBe('b');
		expect(chooseMachine(machines, draws(0.99))?.id).toBe('c');
	});

	test('given equal machines, then over many requests each gets about its share: the split follows the machine count', () => {
		const machines = [machine('replay'), machine('blue-1'), machine('blue-2'), machine('blue-3'), machine('blue-4')];
		const counts = new Map<string, number>();
		for (let index = 0; index < 10_000; index += 1) {
			const chosen = chooseMachine(machines)?.id as string;
			counts.set(chosen, (counts.get(chosen) ?? 0) + 1);
		}
		expect(counts.get('replay')).toBeGreaterThan(1700);
		expect(counts.get('replay')).toBeLessThan(2300);
	});

	test('given one machine at its soft limit, then it gets nothing while another is below it', () => {
		const machines = [machine('busy', DEFAULT_SOFT_LIMIT), machine('idle', 3)];
		for (const value of [0, 0.5, 0.99]) expect(chooseMachine(machines, draws(value))?.id).toBe('idle');
	});

	test('given every machine at or above its soft limit, then traffic goes to them again (never to one at its hard limit)', () => {
		const machines = [machine('a', 25, 1, {softLimit: 20, hardLimit: 25}), machine('b', 21, 1, {softLimit: 20, hardLimit: 25})];
		expect(chooseMachine(machines, draws(0))?.id).toBe('b');
		expect(chooseMachine([machine('full', 25, 1, {hardLimit: 25})])).toBeUndefined();
	});

	test('given a closer machine below its soft limit, then it takes every request, however few machines it is among', () => {
		const machines = [machine('replay', 0, 0.3), machine('blue-1', 0, 1), machine('blue-2', 0, 1), machine('blue-3', 0, 1), machine('blue-4', 0, 1)];
		for (const value of [0, 0.3, 0.6, 0.99]) expect(chooseMachine(machines, draws(value))?.id).toBe('replay');
		// Until it reaches its soft limit: then the others are below theirs and win.
		const loaded = [machine('replay', DEFAULT_SOFT_LIMIT, 0.3), machine('blue-1', 0, 1)];
		expect(chooseMachine(loaded, draws(0))?.id).toBe('blue-1');
	});

	test('load bands: below soft_limit, at or above it, at hard_limit', () => {
		expect(loadBand(machine('a', DEFAULT_SOFT_LIMIT - 1))).toBe(0);
		expect(loadBand(machine('a', DEFAULT_SOFT_LIMIT))).toBe(1);
		expect(loadBand(machine('a', 5, 1, {softLimit: 2, hardLimit: 5}))).toBeUndefined();
		expect(chooseMachine([])).toBeUndefined();
	});
});
