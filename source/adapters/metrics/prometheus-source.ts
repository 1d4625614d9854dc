import type {MetricSource} from '../../runbook/schema.js';
import {substitute} from '../../runbook/template.js';
import {flyAuthorizationHeader} from '../fly-tokens.js';
import {isSuccessStatus} from '../http-fetch.js';
import {parseSampleValue} from './exposition.js';
import {httpGet, type HttpGetResult} from './http-get.js';
import type {Bucket} from './histogram-quantile.js';
import {DEFAULT_SOURCE_TIMEOUT_MS, finiteReading, sourceTimeoutMs, unknown, type Evidence, type MetricReadContext, type MetricReading} from './reading.js';

export type PrometheusSource = Extract<MetricSource, {type: 'prometheus'}>;

/** One series of a range query: its labels and [ms since epoch, value] points (null where not a number). */
export type RangeSeries = {labels: Record<string, string>; points: Array<[number, number | null]>};

export type RangeResult = {ok: true; series: RangeSeries[]} | {ok: false; reason: string};

type ApiSample = [number, string];
type ApiBody =
	| {status: 'success'; data: {resultType: 'scalar'; result: ApiSample}}
	| {status: 'success'; data: {resultType: 'vector'; result: Array<{metric: Record<string, string>; value: ApiSample}>}}
	| {status: 'success'; data: {resultType: 'matrix'; result: Array<{metric: Record<string, string>; values: ApiSample[]}>}}
	| {status: 'success'; data: {resultType: 'string'; result: ApiSample}}
	| {status: 'error'; errorType?: string; error?: string};

const apiUrl = (base: string, endpoint: string, parameters: Record<string, string>): string =>
	`${base.replace(/\/+$/, '')}/api/v1/${endpoint}?${new URLSearchParams(parameters).toString()}`;

/**
 * Fly's Prometheus (api.fly.io/prometheus/<org>/) takes the token the way flyctl sends it: fly-go's
 * header, "FlyV1 …" for macaroons and "Bearer …" for other tokens (see fly-tokens.ts). Any other
 * Prometheus behind a bearer token gets "Bearer <token>" from the same rule.
 */
const authorization = (token: string | undefined): Record<string, string> | undefined => {
	const header = token === undefined ? undefined : flyAuthorizationHeader(token);
	return header ? {Authorization: header} : undefined;
};

/** The body of a Prometheus API answer, or the reason a person should read (Prometheus' own error text first). */
const decode = (
	response: HttpGetResult,
	url: string,
	tokenEnv?: string,
): {ok: true; body: ApiBody & {status: 'success'}} | {ok: false; reason: string} => {
	if (!response.ok) return response;
	let body: ApiBody | undefined;
	try {
		body = JSON.parse(response.body) as ApiBody;
	} catch {
		body = undefined;
	}
	const text = body?.status === 'error' ? (body.error ?? body.errorType ?? 'error without a message') : response.body.trim().split('\n')[0]?.slice(0, 200);
	// A refused token is the operator's to fix: say which variable holds it, never the token.
	if (tokenEnv && (response.status === 401 || response.status === 403)) {
		return {ok: false, reason: `Prometheus refused the token in ${tokenEnv} (HTTP ${response.status}${text ? `: ${text}` : ''})`};
	}
	if (body?.status === 'error') return {ok: false, reason: `Prometheus ${response.status}: ${text}`};
	if (!isSuccessStatus(response.status)) {
		return {ok: false, reason: `HTTP ${response.status} from ${url}${text ? `: ${text}` : ''}`};
	}
	if (body?.status !== 'success' || typeof body.data !== 'object') {
		return {ok: false, reason: `not a Prometheus API answer from ${url}`};
	}
	return {ok: true, body};
};

type InstantResult = {ok: true; data: Extract<ApiBody, {status: 'success'}>['data']} | {ok: false; reason: string};

const instantQuery = async (source: PrometheusSource, base: string, query: string, context: MetricReadContext): Promise<InstantResult> => {
	const response = await httpGet(apiUrl(base, 'query', {query}), {
		headers: authorization(source.tokenEnv ? context.env[source.tokenEnv] : undefined),
		timeoutMs: sourceTimeoutMs(source),
		signal: context.signal,
	});
	const decoded = decode(response, base, source.tokenEnv);
	return decoded.ok ? {ok: true, data: decoded.body.data} : decoded;
};

/** Why an answer cannot be one number whatever the data: the query itself needs changing. */
const shapeProblem = (result: InstantResult & {ok: true}): string | undefined => {
	const {data} = result;
	if (data.resultType === 'vector' && data.result.length > 1) return `query returned ${data.result.length} series, expected 1`;
	if (data.resultType !== 'vector' && data.resultType !== 'scalar') return `query returned a ${data.resultType}, expected one number`;
	return undefined;
};

/** The one number a query yields, or why there is none. */
const oneNumber = (result: InstantResult, query: string): MetricReading => {
	if (!result.ok) return unknown(result.reason);
	const problem = shapeProblem(result);
	if (problem) return unknown(problem);
	const {data} = result;
	if (data.resultType === 'scalar') return finiteReading(parseSampleValue(data.result[1]), query);
	if (data.resultType !== 'vector') return unknown(`query returned a ${data.resultType}, expected one number`);
	const [only] = data.result;
	// An empty vector: no series matched, e.g. no requests at all in the window.
	if (!only) return unknown(`no data for ${query}`);
	return finiteReading(parseSampleValue(only.value[1]), query);
};

/** A histogram by `le` (sum by (le) of bucket increases) as cumulative buckets; undefined when the answer is no histogram. */
const bucketsOf = (result: InstantResult): Bucket[] | undefined => {
	if (!result.ok || result.data.resultType !== 'vector') return undefined;
	const buckets = result.data.result.flatMap((entry) => {
		const bound = entry.metric.le === undefined ? Number.NaN : parseSampleValue(entry.metric.le);
		const count = parseSampleValue(entry.value[1]);
		return Number.isNaN(bound) || !Number.isFinite(count) ? [] : [{upperBound: bound, count}];
	});
	return buckets.some((bucket) => bucket.upperBound === Number.POSITIVE_INFINITY) ? buckets : undefined;
};

/** Whether Prometheus took the query (reachable, the token accepted, the PromQL valid), and what it read. */
export type PrometheusProbe = {answered: true; reading: MetricReading} | {answered: false; reason: string};

/**
 * An instant PromQL query that must yield one number; with `countQuery` and `bucketsQuery` also
 * the observations behind it, over the same {{window}}.
 */
export const readPrometheus = async (source: PrometheusSource, context: MetricReadContext): Promise<MetricReading> => {
	const probe = await probePrometheus(source, context);
	return probe.answered ? probe.reading : unknown(probe.reason);
};

/**
 * readPrometheus telling an answer without data (an empty vector or NaN: nothing to compute from)
 * from no usable answer (unreachable, the token refused, bad PromQL, several series): preflight
 * judges the two differently.
 */
export const probePrometheus = async (source: PrometheusSource, context: MetricReadContext): Promise<PrometheusProbe> => {
	const token = source.tokenEnv === undefined ? undefined : context.env[source.tokenEnv];
	// Without its token Fly's Prometheus answers 401; the variable's name is the better reason.
	if (source.tokenEnv !== undefined && !token?.trim()) return {answered: false, reason: `${source.tokenEnv} is not set: this source sends it as its token`};
	const base = substitute(source.url, context.variables);
	const query = substitute(source.query, context.variables);
	const countQuery = source.countQuery === undefined ? undefined : substitute(source.countQuery, context.variables);
	const bucketsQuery = source.bucketsQuery === undefined ? undefined : substitute(source.bucketsQuery, context.variables);
	const hitsQuery = source.hitsQuery === undefined ? undefined : substitute(source.hitsQuery, context.variables);
	const [main, counted, histogram, hit] = await Promise.all([
		instantQuery(source, base, query, context),
		countQuery === undefined ? undefined : instantQuery(source, base, countQuery, context),
		bucketsQuery === undefined ? undefined : instantQuery(source, base, bucketsQuery, context),
		hitsQuery === undefined ? undefined : instantQuery(source, base, hitsQuery, context),
	]);
	if (!main.ok) return {answered: false, reason: main.reason};
	const problem = shapeProblem(main);
	if (problem) return {answered: false, reason: problem};
	const reading = oneNumber(main, query);
	if (!counted && !histogram) return {answered: true, reading};
	const buckets = histogram ? bucketsOf(histogram) : undefined;
	const count = counted ? countOf(counted, countQuery ?? '') : undefined;
	const hits = hit ? countOf(hit, hitsQuery ?? '') : undefined;
	const total = count?.value ?? buckets?.find((bucket) => bucket.upperBound === Number.POSITIVE_INFINITY)?.count;
	if (total === undefined || total === null) {
		return {answered: true, reading: reading.value === null ? reading : unknown(`no observation count: ${count?.reason ?? 'the buckets query gave no histogram'}`)};
	}
	const evidence: Evidence = {
		count: total,
		...(context.window ? {windowMs: context.window.ms} : {}),
		...(buckets ? {buckets} : {}),
		...(hits?.value === null || hits === undefined ? {} : {hits: hits.value}),
		...(source.counts ? {noun: source.counts} : {}),
	};
	return {answered: true, reading: {...reading, evidence}};
};

/** A count over a window: no series is none counted (increase() over a quiet window yields an empty vector). */
const countOf = (result: InstantResult, query: string): MetricReading =>
	result.ok && result.data.resultType === 'vector' && result.data.result.length === 0 ? {value: 0} : oneNumber(result, query);

/** A range query for snapshots: every series with its points. Start, end and step in milliseconds. */
export const queryRange = async (
	url: string,
	query: string,
	startMs: number,
	endMs: number,
	stepMs: number,
	token?: string,
	options: {timeoutMs?: number; signal?: AbortSignal} = {},
): Promise<RangeResult> => {
	const response = await httpGet(
		apiUrl(url, 'query_range', {
			query,
			start: String(startMs / 1000),
			end: String(endMs / 1000),
			step: String(Math.max(stepMs, 1) / 1000),
		}),
		{headers: authorization(token), timeoutMs: options.timeoutMs ?? DEFAULT_SOURCE_TIMEOUT_MS, signal: options.signal},
	);
	const decoded = decode(response, url);
	if (!decoded.ok) return decoded;
	const {data} = decoded.body;
	if (data.resultType !== 'matrix') return {ok: false, reason: `range query returned a ${data.resultType}, expected a matrix`};
	return {
		ok: true,
		series: data.result.map((entry) => ({
			labels: entry.metric,
			points: entry.values.map(([seconds, text]): [number, number | null] => {
				const value = parseSampleValue(text);
				return [Math.round(seconds * 1000), Number.isFinite(value) ? value : null];
			}),
		})),
	};
};
