// What one row of the bench table holds, and how it is judged against its target. A row with a
// baseline is judged on the ratio of the two medians measured in the same run, so a busy machine
// slows both sides and the ratio stays comparable between runs; a row without one on its value.

export type Unit = 'ms' | 's' | 'MB' | '% of a core';

export type Figure = {
	/** The median of `samples`. */
	value: number;
	unit: Unit;
	samples: number[];
	/** Anything else measured on the way, e.g. the journal's size. */
	note?: string;
};

export type Target = {kind: 'ratio'; max: number} | {kind: 'value'; max: number; unit: Unit};

export type RowResult = {
	id: string;
	what: string;
	greenlight: Figure;
	baseline?: Figure & {what: string};
	ratio?: number;
	target: Target;
	ok: boolean;
};

export const median = (samples: readonly number[]): number => {
	if (samples.length === 0) throw new Error('no samples to take a median of');
	const sorted = [...samples].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

export const figure = (samples: readonly number[], unit: Unit, note?: string): Figure => ({value: median(samples), unit, samples: [...samples], ...(note ? {note} : {})});

/** One row: the ratio (when there is a baseline) and whether the target holds. */
export const judgeRow = (row: {id: string; what: string; greenlight: Figure; baseline?: Figure & {what: string}; target: Target}): RowResult => {
	const ratio = row.baseline ? row.greenlight.value / row.baseline.value : undefined;
	const ok = row.target.kind === 'ratio' ? ratio !== undefined && ratio <= row.target.max : row.greenlight.value <= row.target.max;
	return {...row, ...(ratio === undefined ? {} : {ratio}), ok};
};
