import type {MetricSource} from '../../runbook/schema.js';
import {substitute} from '../../runbook/template.js';
import {isSuccessStatus} from '../http-fetch.js';
import {parseSampleValue} from './exposition.js';
import {httpGet, type HttpGetResult} from './http-get.js';
import {DEFAULT_SOURCE_TIMEOUT_MS, finiteReading, sourceTimeoutMs, unknown, type MetricReadContext, type MetricReading} from './reading.js';

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

const authorization = (token: string | undefined): Record<string, string> | undefined =>
	token ? {Authorization: `Bearer ${token}`} : undefined;

/** The body of a Prometheus API answer, or the reason a person should read (Prometheus' own error text first). */
const decode = (response: HttpGetResult, url: string): {ok: true; body: ApiBody & {status: 'success'}} | {ok: false; reason: string} => {
	if (!response.ok) return response;
	let body: ApiBody | undefined;
	try {
		body = JSON.parse(response.body) as ApiBody;
	} catch {
		body = undefined;
	}
	if (body?.status === 'error') {
		return {ok: false, reason: `Prometheus ${response.status}: ${body.error ?? body.errorType ?? 'error without a message'}`};
	}
	if (!isSuccessStatus(response.status)) {
		const text = response.body.trim().split('\n')[0]?.slice(0, 200);
		return {ok: false, reason: `HTTP ${response.status} from ${url}${text ? `: ${text}` : ''}`};
	}
	if (body?.status !== 'success' || typeof body.data !== 'object') {
		return {ok: false, reason: `not a Prometheus API answer from ${url}`};
	}
	return {ok: true, body};
};

/** An instant PromQL query that must yield one number. */
export const readPrometheus = async (source: PrometheusSource, context: MetricReadContext): Promise<MetricReading> => {
	const base = substitute(source.url, context.variables);
	const query = substitute(source.query, context.variables);
	const url = apiUrl(base, 'query', {query});
	const response = await httpGet(url, {
		headers: authorization(source.tokenEnv ? context.env[source.tokenEnv] : undefined),
		timeoutMs: sourceTimeoutMs(source),
		signal: context.signal,
	});
	const decoded = decode(response, base);
	if (!decoded.ok) return unknown(decoded.reason);
	const {data} = decoded.body;
	switch (data.resultType) {
		case 'scalar':
			return finiteReading(parseSampleValue(data.result[1]), query);
		case 'vector': {
			const [only, ...more] = data.result;
			if (!only) return unknown(`no data for ${query}`);
			if (more.length > 0) return unknown(`query returned ${data.result.length} series, expected 1`);
			return finiteReading(parseSampleValue(only.value[1]), query);
		}
		default:
			return unknown(`query returned a ${data.resultType}, expected one number`);
	}
};

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
