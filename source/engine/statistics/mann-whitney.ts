import type {Bucket} from './buckets.js';
import {normalUpperTail} from './normal.js';

// The Mann-Whitney U test (Wilcoxon rank-sum), as Kayenta compares canary and baseline: does green
// tend to give larger values than blue? Normal approximation with the tie correction and the
// continuity correction, as scipy.stats.mannwhitneyu(method="asymptotic") computes it. Ranks need
// no assumption about the shape of the distribution, so one slow request moves a verdict by one
// rank, not by the size of its delay.

/** Observations of one value (or one histogram bucket) in each sample. */
export type TieGroup = {value: number; x: number; y: number};

export type MannWhitneyResult = {
	/** Observations in x and in y. */
	nX: number;
	nY: number;
	/** U of x: the pairs (x, y) with x > y, ties counted half. */
	u: number;
	/** The z-score of U for "x larger", continuity-corrected; NaN when every observation is tied. */
	z: number;
	/** One-sided p-value of "x tends to be larger than y"; 1 without evidence (no variance or an empty sample). */
	pGreater: number;
	/** One-sided p-value of "x tends to be smaller than y". */
	pLess: number;
};

/** The test over tie groups sorted by value: raw observations and histogram buckets both come down to these. */
export const mannWhitneyGroups = (groups: readonly TieGroup[]): MannWhitneyResult => {
	const sorted = [...groups].filter((group) => group.x + group.y > 0).sort((a, b) => a.value - b.value);
	const nX = sorted.reduce((sum, group) => sum + group.x, 0);
	const nY = sorted.reduce((sum, group) => sum + group.y, 0);
	if (nX === 0 || nY === 0) return {nX, nY, u: Number.NaN, z: Number.NaN, pGreater: 1, pLess: 1};
	const n = nX + nY;
	let below = 0;
	let rankSumX = 0;
	let tieTerm = 0;
	for (const group of sorted) {
		const size = group.x + group.y;
		// Every member of a tie group gets the mean of the ranks the group spans.
		rankSumX += group.x * (below + (size + 1) / 2);
		tieTerm += size ** 3 - size;
		below += size;
	}
	const u = rankSumX - (nX * (nX + 1)) / 2;
	const mean = (nX * nY) / 2;
	const sigma = Math.sqrt(((nX * nY) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
	if (!(sigma > 0)) return {nX, nY, u, z: Number.NaN, pGreater: 1, pLess: 1};
	const uOfY = nX * nY - u;
	return {
		nX,
		nY,
		u,
		z: (u - mean - 0.5) / sigma,
		pGreater: normalUpperTail((u - mean - 0.5) / sigma),
		pLess: normalUpperTail((uOfY - mean - 0.5) / sigma),
	};
};

/** The test over two lists of observations. */
export const mannWhitney = (x: readonly number[], y: readonly number[]): MannWhitneyResult => {
	const groups = new Map<number, TieGroup>();
	const add = (value: number, side: 'x' | 'y') => {
		if (!Number.isFinite(value)) return;
		const group = groups.get(value) ?? {value, x: 0, y: 0};
		group[side] += 1;
		groups.set(value, group);
	};
	for (const value of x) add(value, 'x');
	for (const value of y) add(value, 'y');
	return mannWhitneyGroups([...groups.values()]);
};

/**
 * The test over two cumulative histograms (Prometheus buckets: observations ≤ upperBound). The
 * observations of one bucket are tied. Only bounds both histograms have are used, so two layouts
 * are compared on their common, coarser buckets instead of by guessing inside a bucket.
 */
export const mannWhitneyBuckets = (x: readonly Bucket[], y: readonly Bucket[]): MannWhitneyResult => {
	const cumulativeAt = (buckets: readonly Bucket[]) => {
		const byBound = new Map<number, number>();
		for (const bucket of buckets) byBound.set(bucket.upperBound, (byBound.get(bucket.upperBound) ?? 0) + bucket.count);
		return byBound;
	};
	const xAt = cumulativeAt(x);
	const yAt = cumulativeAt(y);
	const bounds = [...xAt.keys()].filter((bound) => yAt.has(bound)).sort((a, b) => a - b);
	const groups: TieGroup[] = [];
	let previous = {x: 0, y: 0};
	for (const bound of bounds) {
		// Counts scraped a moment apart can dip; a bucket never holds fewer than nothing.
		const current = {x: Math.max(previous.x, xAt.get(bound) ?? 0), y: Math.max(previous.y, yAt.get(bound) ?? 0)};
		groups.push({value: bound, x: current.x - previous.x, y: current.y - previous.y});
		previous = current;
	}
	return mannWhitneyGroups(groups);
};
