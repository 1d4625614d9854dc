import {JSONPath} from 'jsonpath-plus';
import type {MetricSource} from '../../runbook/schema.js';
import {substitute, substituteRecord} from '../../runbook/template.js';
import {httpGet, successBody} from './http-get.js';
import {finiteReading, sourceTimeoutMs, unknown, type MetricReadContext, type MetricReading} from './reading.js';

export type HttpJsonSource = Extract<MetricSource, {type: 'http-json'}>;

/** A number (or a numeric string) at a JSON path of a GET answer. */
export const readHttpJson = async (source: HttpJsonSource, context: MetricReadContext): Promise<MetricReading> => {
	const url = substitute(source.url, context.variables);
	const response = await httpGet(url, {
		headers: substituteRecord(source.headers, context.variables),
		timeoutMs: sourceTimeoutMs(source),
		signal: context.signal,
	});
	const answer = successBody(response, url);
	if (!answer.ok) return unknown(answer.reason);
	let json: unknown;
	try {
		json = JSON.parse(answer.body);
	} catch {
		return unknown(`${url} did not answer JSON`);
	}
	const matches = JSONPath({path: source.path, json: json as object, wrap: true}) as unknown[];
	if (matches.length === 0) return unknown(`nothing at ${source.path}`);
	if (matches.length > 1) return unknown(`${source.path} matched ${matches.length} values, expected 1`);
	const [found] = matches;
	const reading = numberAt(found, source.path);
	if (source.countPath === undefined || reading.value === null) return reading;
	const counts = JSONPath({path: source.countPath, json: json as object, wrap: true}) as unknown[];
	if (counts.length !== 1) return unknown(`${source.countPath} matched ${counts.length} values, expected the one observation count`);
	const count = numberAt(counts[0], source.countPath);
	if (count.value === null) return unknown(count.reason ?? `no observation count at ${source.countPath}`);
	return {...reading, evidence: {count: count.value, ...(context.window ? {windowMs: context.window.ms} : {}), ...(source.counts ? {noun: source.counts} : {})}};
};

/** A number, or a numeric string, found at a JSON path. */
const numberAt = (found: unknown, path: string): MetricReading => {
	const value =
		typeof found === 'number' ? found : typeof found === 'string' && found.trim() !== '' ? Number(found) : Number.NaN;
	if (Number.isNaN(value) && !(typeof found === 'number')) {
		return unknown(`${path} is ${JSON.stringify(found)?.slice(0, 60)}, not a number`);
	}
	return finiteReading(value, path);
};
