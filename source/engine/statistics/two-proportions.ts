import {normalUpperTail} from './normal.js';

// The two-proportion z-test: is the share of hits (errors, invalid tokens) in x larger than in y?
// The pooled estimate under "both shares are equal", as the textbook test (and statsmodels'
// proportions_ztest) computes it.

export type TwoProportionsResult = {
	/** The z-score of "x's share is larger"; NaN when the pooled share is 0 or 1 (no variance). */
	z: number;
	/** One-sided p-value of "x's share is larger than y's"; 1 without evidence. */
	pGreater: number;
};

export const twoProportions = (hitsX: number, nX: number, hitsY: number, nY: number): TwoProportionsResult => {
	if (nX <= 0 || nY <= 0) return {z: Number.NaN, pGreater: 1};
	const pooled = (hitsX + hitsY) / (nX + nY);
	const se = Math.sqrt(pooled * (1 - pooled) * (1 / nX + 1 / nY));
	if (!(se > 0)) return {z: Number.NaN, pGreater: 1};
	const z = (hitsX / nX - hitsY / nY) / se;
	return {z, pGreater: normalUpperTail(z)};
};
