/**
 * `count` lines, each 1 to `maxPieces` pieces drawn from `pieces`, the same for the same seed: a
 * linear congruential generator, so a failing line is found again on the next run.
 */
export const randomLines = (pieces: readonly string[], options: {seed: number; count?: number; maxPieces: number}): string[] => {
	let seed = options.seed;
	const next = () => {
		seed = (seed * 1103515245 + 12345) % 2 ** 31;
		return seed;
	};
	return Array.from({length: options.count ?? 2000}, () => Array.from({length: 1 + (next() % options.maxPieces)}, () => pieces[next() % pieces.length]).join(''));
};
