import type {Bucket} from '../../engine/statistics/buckets.js';

export type {Bucket} from '../../engine/statistics/buckets.js';

/**
 * The φ-quantile of cumulative buckets, computed as Prometheus' histogram_quantile does
 * (promql/quantile.go): sort, merge equal bounds, force monotonic counts, find the bucket holding
 * the rank and interpolate linearly inside it. NaN when there is no +Inf bucket or no observation;
 * a rank in the +Inf bucket answers the highest finite bound.
 */
export const bucketQuantile = (q: number, input: readonly Bucket[]): number => {
	if (Number.isNaN(q)) return Number.NaN;
	if (q < 0) return Number.NEGATIVE_INFINITY;
	if (q > 1) return Number.POSITIVE_INFINITY;
	const sorted = [...input].sort((a, b) => a.upperBound - b.upperBound);
	const last = sorted.at(-1);
	if (!last || last.upperBound !== Number.POSITIVE_INFINITY) return Number.NaN;
	const buckets = coalesce(sorted);
	ensureMonotonic(buckets);
	if (buckets.length < 2) return Number.NaN;
	const observations = (buckets.at(-1) as Bucket).count;
	if (observations === 0) return Number.NaN;
	let rank = q * observations;
	// sort.Search over all but the +Inf bucket: the first bucket whose count reaches the rank.
	let b = buckets.findIndex((bucket, index) => index < buckets.length - 1 && bucket.count >= rank);
	if (b === -1) b = buckets.length - 1;
	if (b === buckets.length - 1) return (buckets[buckets.length - 2] as Bucket).upperBound;
	const bucket = buckets[b] as Bucket;
	if (b === 0 && bucket.upperBound <= 0) return bucket.upperBound;
	let start = 0;
	let count = bucket.count;
	if (b > 0) {
		const previous = buckets[b - 1] as Bucket;
		start = previous.upperBound;
		count -= previous.count;
		rank -= previous.count;
	}
	return start + (bucket.upperBound - start) * (rank / count);
};

const coalesce = (sorted: Bucket[]): Bucket[] => {
	const merged: Bucket[] = [];
	for (const bucket of sorted) {
		const last = merged.at(-1);
		if (last && last.upperBound === bucket.upperBound) last.count += bucket.count;
		else merged.push({...bucket});
	}
	return merged;
};

// Buckets scraped at slightly different moments can break monotonicity; Prometheus repairs it upwards.
const ensureMonotonic = (buckets: Bucket[]): void => {
	let max = Number.NEGATIVE_INFINITY;
	for (const bucket of buckets) {
		if (bucket.count > max) max = bucket.count;
		else if (bucket.count < max) bucket.count = max;
	}
};
