import {parseDuration} from '../../runbook/duration.js';
import type {MetricSource} from '../../runbook/schema.js';
import {substitute, substituteRecord} from '../../runbook/template.js';
import {hasLabels, parseExposition, parseSampleValue, seriesKey, type ExposedSeries, type ParsedExposition} from './exposition.js';
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

/** One GET of an exposition endpoint, parsed; an unreadable answer comes back as the reason. */
const scrapeOnce = async (url: string, source: ScrapeSource, context: MetricReadContext): Promise<ParsedExposition> => {
	const response = await httpGet(url, {timeoutMs: sourceTimeoutMs(source), signal: context.signal});
	const answer = successBody(response, url);
	return answer.ok ? parseExposition(answer.body) : answer;
};

/** Scrapes kept per source at most, and for how long: enough for a long bake, bounded for memory. */
const HISTORY_LIMIT = 2_000;
const HISTORY_MAX_AGE_MS = 30 * 60_000;

/** Reads Prometheus text endpoints directly, keeping a sliding window of scrapes per source. */
export const createScrapeReader = (clock: () => number = Date.now) => {
	const histories = new Map<string, Scrape[]>();
	const inflight = new Map<string, Promise<ParsedExposition>>();
	/** How far back each source has been asked to look: a bake window and a short one may share a source. */
	const horizons = new Map<string, number>();

	return async (source: ScrapeSource, context: MetricReadContext): Promise<MetricReading> => {
		let url: string;
		try {
			url = substitute(source.url, context.variables);
		} catch (error) {
			return unknown((error as Error).message);
		}
		// Sources on one endpoint (p50, p95, errors of one exporter) read in the same tick share one scrape.
		let scraping = inflight.get(url);
		if (!scraping) {
			scraping = scrapeOnce(url, source, context).finally(() => inflight.delete(url));
			inflight.set(url, scraping);
		}
		const parsed = await scraping;
		if (!parsed.ok) return unknown(parsed.reason);

		const names = familyNames(source);
		const wanted = substituteRecord(source.labels, context.variables);
		const now = clock();
		const scrape: Scrape = {
			ts: now,
			series: parsed.series.filter((series) => names.includes(series.name) && hasLabels(series, wanted)),
			processStartSeconds: parsed.series.find((series) => series.name === 'process_start_time_seconds')?.value,
		};
		const since = context.window?.since;
		const windowMs = since === undefined ? (context.window?.ms ?? (source.window ? parseDuration(source.window) : DEFAULT_WINDOW_MS)) : now - since;
		const key = JSON.stringify({...source, url, labels: wanted});
		const horizon = Math.min(HISTORY_MAX_AGE_MS, Math.max(horizons.get(key) ?? 0, windowMs));
		horizons.set(key, horizon);
		const history = [...(histories.get(key) ?? []), scrape].filter((entry) => entry.ts >= now - horizon).slice(-HISTORY_LIMIT);
		histories.set(key, history);
		// A bake's window starts with the first scrape inside it: what came before belongs to another weight.
		const inWindow = history.filter((entry) => entry.ts >= (since ?? now - windowMs));

		const reading = aggregate(source, inWindow, scrape, context.variables, since !== undefined);
		const evidence = reading.evidence && source.counts ? {...reading.evidence, noun: source.counts} : reading.evidence;
		if (reading.value === null) return {...reading, ...(evidence ? {evidence} : {})};
		const scaled = finiteReading(reading.value * (source.scale ?? 1), describeSeries(source));
		return evidence ? {...scaled, evidence} : scaled;
	};
};

const aggregate = (
	source: ScrapeSource,
	history: Scrape[],
	latest: Scrape,
	variables: Readonly<Record<string, string>>,
	sinceStart: boolean,
): MetricReading => {
	const what = describeSeries(source);
	if (latest.series.length === 0) return unknown(`no series ${what} in the scrape`);
	if (source.aggregate === 'gauge') return {value: latest.series.reduce((sum, series) => sum + series.value, 0)};

	// With one scrape in a sliding window, the counts since the process started are the best evidence
	// there is; a window that starts at a bake has seen nothing yet.
	const windowed = history.length >= 2;
	const first = history[0] as Scrape;
	const windowMs = windowed ? latest.ts - first.ts : 0;
	if (!windowed && sinceStart) {
		const evidence = {count: 0, windowMs: 0, ...(source.aggregate === 'quantile' ? {quantile: source.quantile} : {})};
		return {value: null, reason: `no observations of ${what} since the bake began`, evidence};
	}
	// An empty scrape before the only one makes every count an increase from zero.
	const increases = [...seriesIncreases(windowed ? history : [{series: []}, latest]).values()];
	const total = (entries: typeof increases) => entries.reduce((sum, entry) => sum + entry.increase, 0);
	const span = windowed ? {windowMs} : {};

	switch (source.aggregate) {
		case 'quantile': {
			if (source.quantile === undefined) return unknown(`set "quantile" for the quantile of ${what}`);
			const buckets = bucketsByLe(increases);
			const infinite = buckets.find((bucket) => bucket.upperBound === Number.POSITIVE_INFINITY);
			if (!infinite) return unknown(`${what} has no le="+Inf" bucket`);
			const evidence = {count: infinite.count, buckets, quantile: source.quantile, ...span};
			const value = bucketQuantile(source.quantile, buckets);
			return Number.isNaN(value)
				? {value: null, reason: `no observations of ${what}${windowed ? ` in the last ${source.window ?? '1m'}` : ''}`, evidence}
				: {value, evidence};
		}
		case 'rate': {
			const evidence = {count: total(increases), ...span};
			if (windowed) return {value: total(increases) / (windowMs / 1000), evidence};
			if (latest.processStartSeconds === undefined) return unknown(`a rate of ${what} needs a second scrape`);
			const seconds = latest.ts / 1000 - latest.processStartSeconds;
			return seconds > 0 ? {value: total(increases) / seconds, evidence} : unknown(`a rate of ${what} needs a second scrape`);
		}
		case 'ratio': {
			const numeratorLabels = substituteRecord(source.ratioOf?.labels, variables);
			if (!source.ratioOf) return unknown(`set "ratioOf" for the ratio of ${what}`);
			const all = total(increases);
			const hits = total(increases.filter((entry) => hasLabels(entry.series, numeratorLabels)));
			const evidence = {count: all, hits, ...span};
			if (all === 0) return {value: null, reason: `no traffic: ${what} did not increase`, evidence};
			return {value: hits / all, evidence};
		}
	}
};
