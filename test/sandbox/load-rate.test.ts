import {describe, expect, test} from 'vitest';
import {describeLoad, MAX_SANDBOX_RPS, PRODUCTION_RPS, sandboxRps} from '../../source/sandbox/load-rate.js';

// A rehearsal divides every bake by its speed; the sandbox's traffic is multiplied by it, so a gate's
// minCount asks a compressed bake for what it asks production's whole one.
describe('the sandbox load at a rehearsal speed', () => {
	test('given speed 1, 20 and 30, then the load is production\'s rate times the speed', () => {
		expect(sandboxRps(1)).toBe(PRODUCTION_RPS);
		expect(sandboxRps(20)).toBe(20 * PRODUCTION_RPS);
		expect(sandboxRps(30)).toBe(30 * PRODUCTION_RPS);
		expect(describeLoad(20)).toBe(`${20 * PRODUCTION_RPS} rps (${PRODUCTION_RPS} rps × speed 20)`);
	});

	test('given a speed beyond what one process keeps up with, then the load stops at the cap and says so', () => {
		const speed = Math.ceil(MAX_SANDBOX_RPS / PRODUCTION_RPS) * 3;
		expect(sandboxRps(speed)).toBe(MAX_SANDBOX_RPS);
		expect(describeLoad(speed)).toBe(`${MAX_SANDBOX_RPS} rps (${PRODUCTION_RPS} rps × speed ${speed}, capped)`);
	});

	test('given a slow rehearsal, then the load never drops to nothing', () => {
		expect(sandboxRps(0.01)).toBe(1);
	});
});
