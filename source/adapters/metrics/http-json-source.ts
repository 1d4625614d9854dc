import {JSONPath} from 'jsonpath-plus';
import {parseDuration} from '../../runbook/duration.js';
import type {MetricSource} from '../../runbook/schema.js';
import {substitute, substituteRecord} from '../../runbook/template.js';
import {httpGet} from './http-get.js';
import {DEFAULT_SOURCE_TIMEOUT_MS, finiteReading, unknown, type MetricReadContext, type MetricReading} from './metric-reading.js';

export type HttpJsonSource = Extract<MetricSource, {type: 'http-json'}>;

/** A number (or a numeric string) at a JSON path of a GET answer. */
export const readHttpJson = async (source: HttpJsonSource, context: MetricReadContext): Promise<MetricReading> => {
	const url = substitute(source.url, context.variables);
	const response = await httpGet(url, {
		headers: substituteRecord(source.headers, context.variables),
		timeoutMs: source.timeout ? parseDuration(source.timeout) : DEFAULT_SOURCE_TIMEOUT_MS,
		signal: context.signal,
	});
	if (!response.ok) return unknown(response.reason);
	if (response.status < 200 || response.status > 299) return unknown(`HTTP ${response.status} from ${url}`);
	let json: unknown;
	try {
		json = JSON.parse(response.body);
	} catch {
		return unknown(`${url} did not answer JSON`);
	}
	const matches = JSONPath({path: source.path, json: json as object, wrap: true}) as unknown[];
	if (matches.length === 0) return unknown(`nothing at ${source.path}`);
	if (matches.length > 1) return unknown(`${source.path} matched ${matches.length} values, expected 1`);
	const [found] = matches;
	const value =
		typeof found === 'number' ? found : typeof found === 'string' && found.trim() !== '' ? Number(found) : Number.NaN;
	if (Number.isNaN(value) && !(typeof found === 'number')) {
		return unknown(`${source.path} is ${JSON.stringify(found)?.slice(0, 60)}, not a number`);
	}
	return finiteReading(value, source.path);
};
