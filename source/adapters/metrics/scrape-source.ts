import {parseDuration} from '../../runbook/duration.js';
import type {MetricSource} from '../../runbook/schema.js';
import {substitute, substituteRecord} from '../../runbook/template.js';
import {hasLabels, parseExposition, parseSampleValue, seriesIdentity, type ExposedSeries, type ParsedExposition} from './exposition.js';
import {bucketQuantile, type Bucket} from './histogram-quantile.js';
import {httpGet, successBody} from './http-get.js';
import {finiteReading, sourceTimeoutMs, unknown, type MetricReadContext, type MetricReading} from './reading.js';

export type ScrapeSource = Extract<MetricSource, {type: 'scrape'}>;

const DEFAULT_WINDOW_MS = 60_000;

type Scrape = {ts: number; series: ExposedSeries[]; processStartSeconds?: number};

type Increases = ReturnType<typeof seriesIncreases>;

/**
 * A scrape as a history keeps it: each series with its identity and its running total, the sum of
 * its increases since the history first saw it (resets handled as in `seriesIncreases`).
 */
type KeptScrape = Scrape & {seq: number; keys: string[]; totals: number[]};

/** Where a series stands in a history: its first and its last scrape there. */
type SeriesTrack = {firstSeq: number; firstValue: number; lastSeq: number; total: number; value: number; series: ExposedSeries};

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
			const key = seriesIdentity(series);
			const seen = result.get(key);
			const previous = seen ? seen.previous : index === 0 ? series.value : 0;
			const delta = series.value >= previous ? series.value - previous : series.value;
			if (seen) {
				seen.series = series;
				seen.increase += delta;
				seen.previous = series.value;
			} else {
				result.set(key, {series, increase: delta, previous: series.value});
			}
		}
	});
	return result;
};

/** Bucket bounds by their text: the same few `le` values come in every scrape of every source. */
const bounds = new Map<string, number>();
const BOUNDS_KEPT = 1_000;
const bucketBound = (le: string): number => {
	let bound = bounds.get(le);
	if (bound === undefined) {
		bound = parseSampleValue(le);
		if (bounds.size >= BOUNDS_KEPT) bounds.clear();
		bounds.set(le, bound);
	}
	return bound;
};

/** Cumulative histogram buckets, summed across series by `le`. */
export const bucketsByLe = (entries: ReadonlyArray<{series: ExposedSeries; increase: number}>): Bucket[] => {
	const byBound = new Map<number, number>();
	for (let index = 0; index < entries.length; index++) {
		const {series, increase} = entries[index]!;
		const le = series.labels.le;
		if (le === undefined) continue;
		const bound = bucketBound(le);
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

/** Scrapes kept per series at most, and for how long: enough for a long bake, bounded for memory. */
const HISTORY_LIMIT = 2_000;
const HISTORY_MAX_AGE_MS = 30 * 60_000;

/**
 * The scrapes kept of the series one or more sources read (p50, p95 and p99 of one histogram share
 * them), with running totals, so the increases over a window cost one step per series, not one per
 * series and scrape: a bake's window of minutes is hundreds of scrapes of hundreds of series, read
 * every second.
 */
export const seriesHistory = () => {
	let scrapes: KeptScrape[] = [];
	let seq = 0;
	const tracks = new Map<string, SeriesTrack>();
	/** Where each series sits in a window's first scrape, for the window read last. */
	let start: {scrape: KeptScrape; at: Map<string, number>} | undefined;
	let summed: {first: KeptScrape; last: KeptScrape; increases: Increases} | undefined;
	/** What the newest scrape was read from, and only the newest: a page is large, a window of them more so. */
	let newestFrom: object | undefined;

	const append = (scrape: Scrape, from: object): KeptScrape => {
		seq += 1;
		newestFrom = from;
		const keys = scrape.series.map(seriesIdentity);
		const totals = scrape.series.map((series, index) => {
			const key = keys[index]!;
			const track = tracks.get(key);
			if (!track) {
				tracks.set(key, {firstSeq: seq, firstValue: series.value, lastSeq: seq, total: 0, value: series.value, series});
				return 0;
			}
			track.total += series.value >= track.value ? series.value - track.value : series.value;
			track.lastSeq = seq;
			track.value = series.value;
			track.series = series;
			return track.total;
		});
		const kept: KeptScrape = {...scrape, seq, keys, totals};
		scrapes.push(kept);
		return kept;
	};

	// Loops here and below are indexed or forEach: this runs every second for every source, and
	// until V8 optimises it, each step of a for…of makes an object (most of a watch's garbage).
	const trim = (since: number) => {
		let first = scrapes.findIndex((scrape) => scrape.ts >= since);
		if (first === -1) first = scrapes.length;
		first = Math.max(first, scrapes.length - HISTORY_LIMIT);
		if (first > 0) scrapes = scrapes.slice(first);
		const oldest = scrapes[0]?.seq ?? seq + 1;
		tracks.forEach((track, key) => {
			if (track.lastSeq < oldest) tracks.delete(key);
		});
	};

	/** Where a series that is not in the window's first scrape first shows within the window. */
	const firstWithin = (key: string, from: number): {value: number; total: number} | undefined => {
		for (const scrape of scrapes) {
			if (scrape.seq <= from) continue;
			const index = scrape.keys.indexOf(key);
			if (index !== -1) return {value: scrape.series[index]!.value, total: scrape.totals[index]!};
		}
		return undefined;
	};

	/** `seriesIncreases` over the scrapes from `first` to the newest, from the running totals. */
	const increasesFrom = (first: KeptScrape): Increases => {
		const last = scrapes.at(-1)!;
		if (summed?.first === first && summed.last === last) return summed.increases;
		if (start?.scrape !== first) {
			const at = new Map<string, number>();
			for (let index = 0; index < first.keys.length; index++) at.set(first.keys[index]!, index);
			start = {scrape: first, at};
		}
		const increases: Increases = new Map();
		const at = start.at;
		tracks.forEach((track, key) => {
			if (track.lastSeq < first.seq) return;
			const index = at.get(key);
			// In the first scrape: what it added since. Created later: counted from zero, as Prometheus does.
			let increase: number;
			if (index !== undefined) increase = track.total - first.totals[index]!;
			else if (track.firstSeq > first.seq) increase = track.firstValue + track.total;
			else {
				const from = firstWithin(key, first.seq);
				if (!from) return;
				increase = from.value + track.total - from.total;
			}
			increases.set(key, {series: track.series, increase});
		});
		summed = {first, last, increases};
		return increases;
	};

	return {
		latest: () => scrapes.at(-1),
		/** Whether the newest scrape kept was read from `from`. */
		keeps: (from: object) => newestFrom === from && scrapes.length > 0,
		append,
		trim,
		/** The kept scrapes from `since` on (a window), oldest first. */
		since: (since: number) => scrapes.filter((scrape) => scrape.ts >= since),
		increasesFrom,
	};
};

/** Reads Prometheus text endpoints directly, keeping a sliding window of scrapes per series read. */
export const createScrapeReader = (clock: () => number = Date.now) => {
	const histories = new Map<string, ReturnType<typeof seriesHistory>>();
	const inflight = new Map<string, Promise<ParsedExposition>>();
	/** How far back the series has been asked to look: a bake window and a short one may share it. */
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
		const since = context.window?.since;
		const windowMs = since === undefined ? (context.window?.ms ?? (source.window ? parseDuration(source.window) : DEFAULT_WINDOW_MS)) : now - since;
		const key = JSON.stringify({url, names, labels: wanted});
		const horizon = Math.min(HISTORY_MAX_AGE_MS, Math.max(horizons.get(key) ?? 0, windowMs));
		horizons.set(key, horizon);
		let history = histories.get(key);
		if (!history) {
			history = seriesHistory();
			histories.set(key, history);
		}
		// The first source to read this scrape keeps it; the others of the tick find it kept.
		let scrape = history.latest();
		if (!scrape || !history.keeps(parsed)) {
			const {exposition} = parsed;
			const series = names.flatMap((name) => exposition.samples(name).filter((entry) => hasLabels(entry, wanted)));
			const processStartSeconds = exposition.samples('process_start_time_seconds')[0]?.value;
			scrape = history.append({ts: now, series, processStartSeconds}, parsed);
		}
		history.trim(now - horizon);
		// A bake's window starts with the first scrape inside it: what came before belongs to another weight.
		const inWindow = history.since(since ?? now - windowMs);
		const increases = (window: Scrape[]) => history.increasesFrom(window[0] as KeptScrape);

		const reading = aggregate(source, inWindow, scrape, context.variables, since !== undefined, increases);
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
	increasesOver: (window: Scrape[]) => Increases = seriesIncreases,
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
	const increases = [...(windowed ? increasesOver(history) : seriesIncreases([{series: []}, latest])).values()];
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
