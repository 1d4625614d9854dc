// The standard normal distribution, as the rank and proportion tests need it.

/**
 * P(Z > z) for a standard normal Z: the one-sided p-value of a z-score. The complementary error
 * function by its Chebyshev fit (Numerical Recipes' erfcc), relative error below 1.2e-7 everywhere,
 * so small p-values keep their digits instead of vanishing into 1 − Φ(z).
 */
export const normalUpperTail = (z: number): number => {
	if (Number.isNaN(z)) return Number.NaN;
	if (z === Number.POSITIVE_INFINITY) return 0;
	if (z === Number.NEGATIVE_INFINITY) return 1;
	return erfc(z / Math.SQRT2) / 2;
};

const erfc = (x: number): number => {
	const z = Math.abs(x);
	const t = 1 / (1 + 0.5 * z);
	const r =
		t *
		Math.exp(
			-z * z -
				1.26551223 +
				t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
		);
	return x >= 0 ? r : 2 - r;
};
