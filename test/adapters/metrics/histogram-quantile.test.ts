import {describe, expect, it} from 'vitest';
import {bucketQuantile} from '../../../source/adapters/metrics/histogram-quantile.js';

const inf = Number.POSITIVE_INFINITY;

describe('bucketQuantile (as Prometheus histogram_quantile)', () => {
	// 10 ≤ 0.1, 6 in (0.1, 0.2], 4 in (0.2, 0.3], none above: 20 observations.
	const buckets = [
		{upperBound: 0.1, count: 10},
		{upperBound: 0.2, count: 16},
		{upperBound: 0.3, count: 20},
		{upperBound: 0.5, count: 20},
		{upperBound: inf, count: 20},
	];

	it('given known buckets, when the rank falls inside a bucket, then it interpolates linearly within it', () => {
		// p95: rank 19 → third bucket, 3 of its 4 → 0.2 + 0.1 × 3/4.
		expect(bucketQuantile(0.95, buckets)).toBeCloseTo(0.275, 12);
		// p50: rank 10 → first bucket, all of it → its upper bound.
		expect(bucketQuantile(0.5, buckets)).toBeCloseTo(0.1, 12);
		// p25: rank 5 → first bucket, starting at 0 → 0.1 × 5/10.
		expect(bucketQuantile(0.25, buckets)).toBeCloseTo(0.05, 12);
		// p60: rank 12 → second bucket, 2 of 6 → 0.1 + 0.1 × 2/6.
		expect(bucketQuantile(0.6, buckets)).toBeCloseTo(0.1 + 0.1 / 3, 12);
	});

	it('given the rank lands in the +Inf bucket, then the answer is the highest finite bound', () => {
		const tail = [
			{upperBound: 0.1, count: 5},
			{upperBound: 0.2, count: 8},
			{upperBound: inf, count: 10},
		];
		expect(bucketQuantile(0.99, tail)).toBe(0.2);
	});

	it('given no +Inf bucket or no observations, then the quantile is NaN', () => {
		expect(bucketQuantile(0.5, [{upperBound: 0.1, count: 3}, {upperBound: 0.2, count: 4}])).toBeNaN();
		expect(bucketQuantile(0.5, [{upperBound: 0.1, count: 0}, {upperBound: inf, count: 0}])).toBeNaN();
		expect(bucketQuantile(0.5, [{upperBound: inf, count: 9}])).toBeNaN();
	});

	it('given unsorted, duplicated and non-monotonic buckets, then they are sorted, merged and repaired first', () => {
		const messy = [
			{upperBound: inf, count: 10},
			{upperBound: 0.2, count: 3},
			{upperBound: 0.1, count: 4},
			{upperBound: 0.2, count: 3},
		];
		// Merged: 0.1 → 4, 0.2 → 6, +Inf → 10. p50: rank 5 → 0.1 + 0.1 × 1/2.
		expect(bucketQuantile(0.5, messy)).toBeCloseTo(0.15, 12);
		// 0.2 below 0.1's count is raised to 4: p50 → rank 5, 1 of (8 − 4) in (0.2, 0.3] → 0.225 (0.25 unrepaired).
		const dip = [
			{upperBound: 0.1, count: 4},
			{upperBound: 0.2, count: 2},
			{upperBound: 0.3, count: 8},
			{upperBound: inf, count: 10},
		];
		expect(bucketQuantile(0.5, dip)).toBeCloseTo(0.225, 12);
	});
});
