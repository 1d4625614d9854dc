import parsePrometheusTextFormat from 'parse-prometheus-text-format';

/** One sample line of a text exposition: `name{labels} value`. */
export type ExposedSeries = {name: string; labels: Record<string, string>; value: number};

export type ParsedExposition = {ok: true; series: ExposedSeries[]} | {ok: false; reason: string};

/** "+Inf", "-Inf", "NaN" and plain numbers, as the exposition format and the Prometheus API write them. */
export const parseSampleValue = (text: string): number => {
	const trimmed = text.trim();
	if (/^\+?Inf$/i.test(trimmed)) return Number.POSITIVE_INFINITY;
	if (/^-Inf$/i.test(trimmed)) return Number.NEGATIVE_INFINITY;
	if (/^NaN$/i.test(trimmed)) return Number.NaN;
	return trimmed === '' ? Number.NaN : Number(trimmed);
};

// The parser folds a histogram's buckets into one object and, for labelled histograms, drops the
// labels and merges series; declared untyped, every bucket stays a plain labelled sample.
const foldedTypes = /^#\s*TYPE\s+(\S+)\s+(histogram|gaugehistogram|summary)\s*$/gim;

/** Every sample of a Prometheus text exposition, flat. Malformed text comes back with the parser's message. */
export const parseExposition = (text: string): ParsedExposition => {
	let families: ReturnType<typeof parsePrometheusTextFormat>;
	try {
		families = parsePrometheusTextFormat(text.replace(foldedTypes, '# TYPE $1 untyped'));
	} catch (error) {
		return {ok: false, reason: `malformed exposition: ${(error as Error).message}`};
	}
	const series: ExposedSeries[] = [];
	for (const family of families) {
		for (const sample of family.metrics) {
			if (sample.value === undefined) continue;
			const value = parseSampleValue(sample.value);
			if (Number.isNaN(value) && !/^NaN$/i.test(sample.value.trim())) {
				return {ok: false, reason: `malformed exposition: ${family.name} has value "${sample.value}"`};
			}
			series.push({name: family.name, labels: sample.labels ?? {}, value});
		}
	}
	return {ok: true, series};
};

/** True when the series carries every wanted label with exactly that value. */
export const hasLabels = (series: ExposedSeries, wanted: Readonly<Record<string, string>> | undefined): boolean =>
	Object.entries(wanted ?? {}).every(([name, value]) => series.labels[name] === value);

/** A stable identity for a series within a family: its labels, sorted. */
export const seriesKey = (series: ExposedSeries, without: string[] = []): string =>
	JSON.stringify(
		Object.entries(series.labels)
			.filter(([name]) => !without.includes(name))
			.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
	);
