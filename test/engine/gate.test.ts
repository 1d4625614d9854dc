import {describe, expect, it} from 'vitest';
import {describeThreshold, gateHolds, judgeSample, nextStreak} from '../../source/engine/gate.js';

describe('gate judgement', () => {
	it('passes within bounds and shows the threshold', () => {
		expect(judgeSample({metric: 'p95', max: 300}, 212, null, 'ms')).toEqual({verdict: 'pass', threshold: '≤ 300 ms'});
	});
	it('fails above max naming value and threshold', () => {
		expect(judgeSample({metric: 'p95', max: 300}, 412, null, 'ms')).toMatchObject({verdict: 'fail', reason: 'p95 412 ms > 300 ms'});
	});
	it('fails below min', () => {
		expect(judgeSample({metric: 'rps', min: 5}, 2, null)).toMatchObject({verdict: 'fail', reason: 'rps 2 < 5'});
	});
	it('no value, NaN or Infinity is unknown, never a pass', () => {
		for (const value of [null, Number.NaN, Number.POSITIVE_INFINITY]) {
			expect(judgeSample({metric: 'p95', max: 300}, value, null).verdict).toBe('unknown');
		}
		expect(judgeSample({metric: 'p95', max: 300}, null, null, 'ms', 'Prometheus unreachable').reason).toBe('Prometheus unreachable');
	});
	it('compares with blue for maxRatioToBlue, and unknown without blue', () => {
		const gate = {metric: 'p95', maxRatioToBlue: 1.2};
		expect(judgeSample(gate, 130, 100).verdict).toBe('fail');
		expect(judgeSample(gate, 119, 100).verdict).toBe('pass');
		expect(judgeSample(gate, 119, null).verdict).toBe('unknown');
		expect(judgeSample(gate, 0, 0).verdict).toBe('pass');
		expect(describeThreshold({metric: 'p95', max: 300, maxRatioToBlue: 1.2}, 'ms')).toBe('≤ 300 ms, ≤ 1.20× blue');
	});
	it('holds after the required consecutive samples', () => {
		expect(gateHolds({metric: 'x', samples: 3}, 2)).toBe(false);
		expect(gateHolds({metric: 'x', samples: 3}, 3)).toBe(true);
		expect(gateHolds({metric: 'x'}, 1)).toBe(true);
	});
	it('given a streak, a pass extends it and a fail or unknown resets it; it holds once long enough', () => {
		const gate = {metric: 'x', samples: 2};
		expect(nextStreak(gate, 1, 'pass')).toEqual({streak: 2, holds: true});
		expect(nextStreak(gate, 0, 'pass')).toEqual({streak: 1, holds: false});
		expect(nextStreak(gate, 5, 'fail')).toEqual({streak: 0, holds: false});
		expect(nextStreak(gate, 5, 'unknown')).toEqual({streak: 0, holds: false});
	});
});
