import {parseDuration} from '../../runbook/duration.js';
import type {MetricSource} from '../../runbook/schema.js';
import {substitute, substituteRecord} from '../../runbook/template.js';
import {hasLabels, parseExposition, parseSampleValue, seriesKey, type ExposedSeries} from './exposition.js';
import {bucketQuantile, type Bucket} from './histogram-quantile.js';
import {httpGet, successBody} from './http-get.js';
import {finiteReading, sourceTimeoutMs, unknown, type MetricReadContext, type MetricReading} from './reading.js';

export type ScrapeSource = Extract<MetricSource, {type: 'scrape'}>;

const DEFAULT_WINDOW_MS = 60_000;

type Scrape = {ts: number; series: ExposedSeries[]; processStartSeconds?: number};

/** The family names a source reads: counters may carry the OpenMetrics `_total` suffix. */
const familyNames = (source: ScrapeSource): string[] => {
	if (source.aggregate === 'quantile') return [`${source.metric.replace(/_bucket$/, '')}_bucket`];
	if (source.aggregate === 'gauge') return [source.metric];
	return source.metric.endsWith('_total') ? [source.metric] : [source.metric, `${source.metric}_total`];
};

const describeSeries = (source: ScrapeSource): string => {
	const labels = Object.entries(source.labels ?? {}).map(([name, value]) => `${name}="${value}"`);
	return labels.length > 0 ? `${source.metric}{${labels.join(',')}}` : source.metric;
};

/**
 * Increase of each series over the scrapes, with counter resets handled as Prometheus does: a drop
 * means the counter restarted from zero. A series that appears after the first scrape was created
 * meanwhile (client libraries create labelled series lazily), so it counts from zero.
 */
export const seriesIncreases = (scrapes: ReadonlyArray<{series: ExposedSeries[]}>): Map<string, {series: ExposedSeries; increase: number}> => {
	const result = new Map<string, {series: ExposedSeries; increase: number; previous: number}>();
	scrapes.forEach((scrape, index) => {
		for (const series of scrape.series) {
			const key = `${series.name}${seriesKey(series)}`;
			const seen = result.get(key);
			const previous = seen ? seen.previous : index === 0 ? series.value : 0;
			const delta = series.value >= previous ? series.value - previous : series.value;
			result.set(key, {series, increase: (seen?.increase ?? 0) + delta, previous: series.value});
		}
	});
	return new Map([...result].map(([key, {series, increase}]) => [key, {series, increase}]));
};

/** Cumulative histogram buckets, summed across series by `le`. */
export const bucketsByLe = (entries: Iterable<{series: ExposedSeries; increase: number}>): Bucket[] => {
	const byBound = new Map<number, number>();
	for (const {series, increase} of entries) {
		const le = series.labels.le;
		if (le === undefined) continue;
		const bound = parseSampleValue(le);
		if (Number.isNaN(bound)) continue;
		byBound.set(bound, (byBound.get(bound) ?? 0) + increase);
	}
	return [...byBound].map(([upperBound, count]) => ({upperBound, count}));
};

/** Reads Prometheus text endpoints directly, keeping a sliding window of scrapes per source. */
export const createScrapeReader = (clock: () => number = Date.now) => {
	const histories = new Map<string, Scrape[]>();

	return async (source: ScrapeSource, context: MetricReadContext): Promise<MetricReading> => {
		let url: string;
		try {
			url = substitute(source.url, context.variables);
		} catch (error) {
			return unknown((error as Error).message);
		}
		const response = await httpGet(url, {
			timeoutMs: sourceTimeoutMs(source),
			signal: context.signal,
		});
		const answer = successBody(response, url);
		if (!answer.ok) return unknown(answer.reason);
		const parsed = parseExposition(answer.body);
		if (!parsed.ok) return unknown(parsed.reason);

		const names = familyNames(source);
		const wanted = substituteRecord(source.labels, context.variables);
		const now = clock();
		const scrape: Scrape = {
			ts: now,
			series: parsed.series.filter((series) => names.includes(series.name) && hasLabels(series, wanted)),
			processStartSeconds: parsed.series.find((series) => series.name === 'process_start_time_seconds')?.value,
		};
		const windowMs = source.window ? parseDuration(source.window) : DEFAULT_WINDOW_MS;
		const key = JSON.stringify({...source, url, labels: wanted});
		const history = [...(histories.get(key) ?? []), scrape].filter((entry) => entry.ts >= now - windowMs);
		histories.set(key, history);

		const reading = aggregate(source, history, scrape, context.variables);
		if (reading.value === null) return reading;
		return finiteReading(reading.value * (source.scale ?? 1), describeSeries(source));
	};
};

const aggregate = (
	source: ScrapeSource,
	history: Scrape[],
	latest: Scrape,
	variables: Readonly<Record<string, string>>,
): MetricReading => {
	const what = describeSeries(source);
	if (latest.series.length === 0) return unknown(`no series ${what} in the scrape`);
	if (source.aggregate === 'gauge') return {value: latest.series.reduce((sum, series) => sum + series.value, 0)};

	// With one scrape in the window, the counts since the process started are the best evidence there is.
	const windowed = history.length >= 2;
	// An empty scrape before the only one makes every count an increase from zero.
	const increases = [...seriesIncreases(windowed ? history : [{series: []}, latest]).values()];
	const total = (entries: typeof increases) => entries.reduce((sum, entry) => sum + entry.increase, 0);

	switch (source.aggregate) {
		case 'quantile': {
			if (source.quantile === undefined) return unknown(`set "quantile" for the quantile of ${what}`);
			const buckets = bucketsByLe(increases);
			if (!buckets.some((bucket) => bucket.upperBound === Number.POSITIVE_INFINITY)) {
				return unknown(`${what} has no le="+Inf" bucket`);
			}
			const value = bucketQuantile(source.quantile, buckets);
			return Number.isNaN(value) ? unknown(`no observations of ${what}${windowed ? ` in the last ${source.window ?? '1m'}` : ''}`) : {value};
		}
		case 'rate': {
			if (windowed) {
				const first = history[0] as Scrape;
				const seconds = (latest.ts - first.ts) / 1000;
				return {value: total(increases) / seconds};
			}
			if (latest.processStartSeconds === undefined) return unknown(`a rate of ${what} needs a second scrape`);
			const seconds = latest.ts / 1000 - latest.processStartSeconds;
			return seconds > 0 ? {value: total(increases) / seconds} : unknown(`a rate of ${what} needs a second scrape`);
		}
		case 'ratio': {
			const numeratorLabels = substituteRecord(source.ratioOf?.labels, variables);
			if (!source.ratioOf) return unknown(`set "ratioOf" for the ratio of ${what}`);
			const all = total(increases);
			if (all === 0) return unknown(`no traffic: ${what} did not increase`);
			return {value: total(increases.filter((entry) => hasLabels(entry.series, numeratorLabels))) / all};
		}
	}
};
