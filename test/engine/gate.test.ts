import {describe, expect, it} from 'vitest';
import {describeComparison, describeThreshold, freshTally, judgeSample, neededCount, nextTally, type GateTally} from '../../source/engine/gate.js';
import type {Verdict} from '../../source/engine/events.js';

const value = (number: number | null) => ({value: number});

/** Latencies as a cumulative histogram over 5 ms buckets from 10 to 60 ms. */
const histogram = (latenciesMs: number[]) => {
	const bounds = [0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.045, 0.05, 0.055, 0.06, Number.POSITIVE_INFINITY];
	return bounds.map((upperBound) => ({upperBound, count: latenciesMs.filter((ms) => ms / 1000 <= upperBound).length}));
};
const spread = (count: number, from: number, to: number) => Array.from({length: count}, (_, index) => from + ((to - from) * index) / count);
const latency = (values: number[], p95: number) => ({value: p95, evidence: {count: values.length, noun: 'requests', windowMs: 6000, buckets: histogram(values), quantile: 0.95}});

describe('gate judgement', () => {
	it('passes within bounds and shows the threshold', () => {
		expect(judgeSample({metric: 'p95', max: 300}, value(212), undefined, 'ms')).toEqual({verdict: 'pass', threshold: '≤ 300 ms'});
	});
	it('fails above max naming value and threshold', () => {
		expect(judgeSample({metric: 'p95', max: 300}, value(412), undefined, 'ms')).toMatchObject({verdict: 'fail', reason: 'p95 412 ms > 300 ms'});
	});
	it('fails below min', () => {
		expect(judgeSample({metric: 'rps', min: 5}, value(2), undefined)).toMatchObject({verdict: 'fail', reason: 'rps 2 < 5'});
	});
	it('no value, NaN or Infinity is unknown, never a pass', () => {
		for (const number of [null, Number.NaN, Number.POSITIVE_INFINITY]) {
			expect(judgeSample({metric: 'p95', max: 300}, value(number), undefined).verdict).toBe('unknown');
		}
		expect(judgeSample({metric: 'p95', max: 300}, {value: null, reason: 'Prometheus unreachable'}, undefined, 'ms').reason).toBe('Prometheus unreachable');
	});
	it('compares bare values with blue for maxRatioToBlue when no side can be tested, and is unknown without blue', () => {
		const gate = {metric: 'p95', maxRatioToBlue: 1.2};
		expect(judgeSample(gate, value(130), value(100))).toMatchObject({verdict: 'fail', comparison: {test: 'values', ratio: 1.3}});
		expect(judgeSample(gate, value(119), value(100)).verdict).toBe('pass');
		expect(judgeSample(gate, value(119), value(null)).verdict).toBe('unknown');
		expect(judgeSample(gate, value(0), value(0)).verdict).toBe('pass');
		expect(describeThreshold({metric: 'p95', max: 300, maxRatioToBlue: 1.2}, 'ms')).toBe('≤ 300 ms, ≤ 1.20× blue');
	});
});

describe('enough evidence before a verdict', () => {
	it('given a window with fewer requests than minCount, then the sample is insufficient data with the count, not a fail', () => {
		const judgement = judgeSample({metric: 'p95', max: 30, minCount: 50}, {value: 80.9, evidence: {count: 12, noun: 'requests', windowMs: 6000}}, undefined, 'ms');
		expect(judgement).toMatchObject({verdict: 'unknown', insufficient: true, count: 12, needed: 50, reason: 'insufficient data: 12 requests in 6 s, need 50'});
	});

	it('given a count Prometheus extrapolated (49.7 requests), then the reason shows whole requests, never rounded up to the need', () => {
		const judgement = judgeSample({metric: 'p95', max: 30, minCount: 50}, {value: 20, evidence: {count: 49.7, noun: 'requests', windowMs: 6000}}, undefined, 'ms');
		expect(judgement).toMatchObject({verdict: 'unknown', insufficient: true, reason: 'insufficient data: 49 requests in 6 s, need 50'});
	});

	it('given a window with no observation at all, then it is insufficient data too, not an unreadable source', () => {
		const judgement = judgeSample({metric: 'p95', max: 300}, {value: null, reason: 'no observations', evidence: {count: 0, windowMs: 0, quantile: 0.95}}, undefined);
		expect(judgement).toMatchObject({verdict: 'unknown', insufficient: true, reason: 'insufficient data: 0 observations in 0 s, need 20'});
	});

	it('given no minCount, then a quantile q needs 1/(1−q) observations and other counted values one', () => {
		expect(neededCount({metric: 'p95'}, {count: 3, quantile: 0.95})).toBe(20);
		expect(neededCount({metric: 'p99'}, {count: 3, quantile: 0.99})).toBe(100);
		expect(neededCount({metric: 'p50'}, {count: 3, quantile: 0.5})).toBe(2);
		expect(neededCount({metric: 'errors'}, {count: 3, hits: 0})).toBe(1);
		expect(neededCount({metric: 'cost'}, undefined)).toBeUndefined();
	});

	it('given a ratio gate with enough green but too few blue observations, then it is insufficient, saying blue', () => {
		const green = {value: 40, evidence: {count: 80}};
		const blue = {value: 30, evidence: {count: 9, noun: 'requests', windowMs: 6000}};
		expect(judgeSample({metric: 'p95', maxRatioToBlue: 1.2, minCount: 50}, green, blue).reason).toBe('insufficient data: blue: 9 requests in 6 s, need 50');
	});

	it('given minCount on a source that reads a value but no count, then it is unknown and says what the source lacks', () => {
		expect(judgeSample({metric: 'cost', max: 1, minCount: 10}, value(0.5), undefined)).toMatchObject({verdict: 'unknown', reason: expect.stringContaining('no observation count')});
	});
});

describe('green against blue, statistically', () => {
	const blue = spread(96, 12, 32);

	it('given a few slow green requests bunched in one window, then p95 is far above blue but the rank test says it is chance: pass', () => {
		const green = [...spread(68, 12, 32), 58, 59, 59, 60];
		const judgement = judgeSample({metric: 'p95', maxRatioToBlue: 1.2, confidence: 0.95}, latency(green, 55), latency(blue, 31), 'ms');
		expect(judgement.verdict).toBe('pass');
		expect(judgement.comparison).toMatchObject({test: 'mann-whitney', significant: false, confidence: 0.95});
		expect(describeComparison('p95', judgement.comparison!)).toBe('green p95 +77.4 % vs blue, not significant at 95 %');
	});

	it('given every green request 40 % slower, then green fails beyond the ratio, significant at the stated confidence', () => {
		const green = spread(72, 12 * 1.4, 32 * 1.4);
		const judgement = judgeSample({metric: 'p95', maxRatioToBlue: 1.2, confidence: 0.99}, latency(green, 43), latency(blue, 31), 'ms');
		expect(judgement.verdict).toBe('fail');
		expect(judgement.reason).toBe('p95 43 ms > 1.20× blue (31 ms): green p95 +38.7 % vs blue, significant at 99 %');
	});

	it('given green significantly slower but within the ratio, then it passes: significance alone is not a regression', () => {
		const green = spread(72, 13, 34);
		const judgement = judgeSample({metric: 'p95', maxRatioToBlue: 1.2}, latency(green, 33), latency(blue, 31), 'ms');
		expect(judgement.verdict).toBe('pass');
	});

	it('given shares of hits on both sides, then a two-proportion test decides: 1 of 80 against 0 of 120 is chance, 12 of 80 is not', () => {
		const gate = {metric: 'tokenInvalid', max: 20, maxRatioToBlue: 2, confidence: 0.99};
		const blueShare = {value: 0, evidence: {count: 120, hits: 0}};
		expect(judgeSample(gate, {value: 1.25, evidence: {count: 80, hits: 1}}, blueShare, '%')).toMatchObject({verdict: 'pass', comparison: {test: 'two-proportions', ratio: null, significant: false}});
		expect(judgeSample(gate, {value: 15, evidence: {count: 80, hits: 12}}, {value: 0.83, evidence: {count: 120, hits: 1}}, '%')).toMatchObject({verdict: 'fail', comparison: {significant: true}});
	});
});

describe('tally: samples and failureLimit with Argo Rollouts\' meaning', () => {
	const run = (gate: {metric: string; samples?: number; failureLimit?: number}, verdicts: Verdict[]): GateTally =>
		verdicts.reduce((tally, verdict) => nextTally(gate, tally, verdict), freshTally());

	it('given a streak, a pass extends it and anything else resets it; it holds once `samples` long', () => {
		const gate = {metric: 'x', samples: 2};
		expect(run(gate, ['pass', 'pass'])).toMatchObject({streak: 2, holds: true});
		expect(run(gate, ['pass'])).toMatchObject({streak: 1, holds: false});
		expect(run(gate, ['pass', 'pass', 'unknown'])).toMatchObject({streak: 0, holds: false, failures: 0, failed: false});
	});

	it('given no failureLimit, then the first failed sample fails the gate', () => {
		expect(run({metric: 'x', samples: 3}, ['pass', 'fail'])).toMatchObject({failures: 1, failed: true});
	});

	it('given failureLimit 1, then one outlier is tolerated and the second fail ends it', () => {
		const gate = {metric: 'x', samples: 2, failureLimit: 1};
		expect(run(gate, ['pass', 'fail', 'pass', 'pass'])).toMatchObject({failures: 1, failed: false, holds: true});
		expect(run(gate, ['fail', 'pass', 'fail'])).toMatchObject({failures: 2, failed: true});
	});

	it('given unknown or insufficient samples, then they never count as fails', () => {
		expect(run({metric: 'x'}, ['unknown', 'unknown', 'unknown'])).toMatchObject({failures: 0, failed: false, holds: false});
	});
});
