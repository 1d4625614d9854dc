import {describe, expect, it} from 'vitest';
import {mannWhitney, mannWhitneyBuckets} from '../../../source/engine/statistics/mann-whitney.js';
import {normalUpperTail} from '../../../source/engine/statistics/normal.js';
import {twoProportions} from '../../../source/engine/statistics/two-proportions.js';

// Expected values from scipy.stats (mannwhitneyu with method="asymptotic", norm.sf), computed once
// and written down here.

describe('the standard normal upper tail', () => {
	it('given well-known z-scores, then it gives their one-sided p-values', () => {
		expect(normalUpperTail(0)).toBeCloseTo(0.5, 7);
		expect(normalUpperTail(1.959963984540054)).toBeCloseTo(0.025, 7);
		expect(normalUpperTail(-1)).toBeCloseTo(0.8413447460685429, 7);
		expect(normalUpperTail(5) / 2.866515718791933e-7).toBeCloseTo(1, 5);
		expect(normalUpperTail(Number.POSITIVE_INFINITY)).toBe(0);
	});
});

describe('Mann-Whitney U', () => {
	it('given two samples with no overlap, then U is 0 and "x smaller" has scipy\'s p-value', () => {
		const result = mannWhitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
		expect(result.u).toBe(0);
		expect(result.pLess).toBeCloseTo(0.006092890177672406, 7);
	});

	it('given unequal sample sizes, then U and the one-sided p-value match scipy', () => {
		const result = mannWhitney([19, 22, 16, 29, 24], [20, 11, 17, 12]);
		expect(result.u).toBe(17);
		expect(result.pGreater).toBeCloseTo(0.055673443266570206, 7);
	});

	it('given many ties, then the tie correction gives scipy\'s p-values', () => {
		const x = [1, 2, 2, 3, 3, 3, 4];
		const y = [2, 3, 3, 4, 4, 5, 5, 5];
		const result = mannWhitney(x, y);
		expect(result.u).toBe(11);
		expect(result.pGreater).toBeCloseTo(0.9814970702168354, 7);
		// Two-sided is twice the smaller tail.
		expect(2 * Math.min(result.pGreater, result.pLess)).toBeCloseTo(0.049238967838553395, 7);
	});

	it('given every observation tied or an empty sample, then there is no evidence: p is 1', () => {
		expect(mannWhitney([7, 7, 7, 7, 7], [7, 7, 7, 7, 7, 7])).toMatchObject({u: 15, pGreater: 1, pLess: 1});
		expect(mannWhitney([], [1, 2])).toMatchObject({nX: 0, pGreater: 1});
	});

	it('given cumulative histograms, then the observations of one bucket are ties, as if listed at the bound', () => {
		const x = [{upperBound: 0.01, count: 3}, {upperBound: 0.02, count: 8}, {upperBound: 0.05, count: 10}, {upperBound: Number.POSITIVE_INFINITY, count: 10}];
		const y = [{upperBound: 0.01, count: 6}, {upperBound: 0.02, count: 9}, {upperBound: 0.05, count: 10}, {upperBound: Number.POSITIVE_INFINITY, count: 10}];
		const result = mannWhitneyBuckets(x, y);
		expect(result).toMatchObject({nX: 10, nY: 10, u: 65.5});
		expect(result.pGreater).toBeCloseTo(0.1085027487594446, 7);
	});

	it('given histograms with different layouts, then only the bounds both have are compared', () => {
		const fine = [{upperBound: 0.01, count: 3}, {upperBound: 0.015, count: 5}, {upperBound: 0.02, count: 8}, {upperBound: Number.POSITIVE_INFINITY, count: 10}];
		const coarse = [{upperBound: 0.01, count: 6}, {upperBound: 0.02, count: 9}, {upperBound: Number.POSITIVE_INFINITY, count: 10}];
		expect(mannWhitneyBuckets(fine, coarse)).toMatchObject({nX: 10, nY: 10, u: 65.5});
	});

	it('given a green sample shifted 40 % up, then it is larger at any usual confidence; a copy of blue is not', () => {
		const blue = Array.from({length: 90}, (_, index) => 12 + (index % 30) * (20 / 30));
		const green = blue.slice(0, 70).map((value) => value * 1.4);
		expect(mannWhitney(green, blue).pGreater).toBeLessThan(0.001);
		expect(mannWhitney(blue.slice(0, 70), blue).pGreater).toBeGreaterThan(0.3);
	});
});

describe('two proportions', () => {
	it('given 12 of 200 against 3 of 250, then the pooled z-test gives the textbook z and p', () => {
		const result = twoProportions(12, 200, 3, 250);
		expect(result.z).toBeCloseTo(2.818657053670577, 7);
		expect(result.pGreater).toBeCloseTo(0.002411250619905422, 7);
	});

	it('given no hits on either side, or an empty side, then there is no evidence: p is 1', () => {
		expect(twoProportions(0, 100, 0, 100).pGreater).toBe(1);
		expect(twoProportions(3, 0, 1, 100).pGreater).toBe(1);
	});
});
