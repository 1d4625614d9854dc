import type {MetricSource} from '../../runbook/schema.js';
import {substitute, substituteRecord} from '../../runbook/template.js';
import {parseExposition} from '../metrics/exposition.js';
import {withCount, withUnit} from '../metrics/gate-sampler.js';
import {httpGet, successBody} from '../metrics/http-get.js';
import type {MetricReader, MetricReadContext, MetricReading} from '../metrics/metric-reader.js';
import {probePrometheus} from '../metrics/prometheus-source.js';
import {sourceTimeoutMs} from '../metrics/reading.js';
import {failed, passed, skipped, type PreflightCheck} from './preflight-check.js';
import type {PreflightPlan} from './preflight-plan.js';

// Does each metric source answer, and with data? A source that does not answer (unreachable, the
// token refused, bad PromQL, a broken exporter) fails the preflight. One that answers without
// data fails it for blue, which serves production (no data there means the query names the wrong
// app or metric), and passes it for green, which has no traffic before it is deployed.

export type PlannedSource = PreflightPlan['sources'][number];

/** The result, and whether it is "answers, but no data" (worth asking again a moment later). */
export type SourceProbe = {check: PreflightCheck; noData: boolean};

/** Whether the source's endpoint answers as its kind must: Prometheus takes the query, an exporter serves text, an API JSON. */
const answers = async (
	source: Exclude<MetricSource, {type: 'command'} | {type: 'load'}>,
	context: MetricReadContext,
	reader: MetricReader,
): Promise<{ok: true; reading: MetricReading} | {ok: false; reason: string}> => {
	switch (source.type) {
		case 'prometheus': {
			const probe = await probePrometheus(source, context);
			return probe.answered ? {ok: true, reading: probe.reading} : {ok: false, reason: probe.reason};
		}
		case 'scrape':
		case 'http-json': {
			const url = substitute(source.url, context.variables);
			const headers = source.type === 'http-json' ? substituteRecord(source.headers, context.variables) : undefined;
			const answer = successBody(await httpGet(url, {headers, timeoutMs: sourceTimeoutMs(source), signal: context.signal}), url);
			if (!answer.ok) return answer;
			if (source.type === 'scrape') {
				const parsed = parseExposition(answer.body);
				if (!parsed.ok) return {ok: false, reason: `${url}: ${parsed.reason}`};
			} else {
				try {
					JSON.parse(answer.body);
				} catch {
					return {ok: false, reason: `${url} did not answer JSON`};
				}
			}
			return {ok: true, reading: await reader.read(source, context)};
		}
	}
};

/** One metric source, read once over the preflight's window. */
export const probeMetricSource = async (entry: PlannedSource, context: MetricReadContext, reader: MetricReader): Promise<SourceProbe> => {
	const subject = `metric ${entry.metric} ${entry.colour}`;
	const {source} = entry;
	if (source.type === 'command') {
		return {check: skipped(subject, 'a command source: preflight runs no command of the runbook (its program is checked on PATH)'), noData: false};
	}
	if (source.type === 'load') {
		return {check: skipped(subject, "the watch's own synthetic load: it exists only while the watch runs, preflight sends no load"), noData: false};
	}
	let answer: Awaited<ReturnType<typeof answers>>;
	try {
		answer = await answers(source, context, reader);
	} catch (error) {
		// A template naming a variable without a value, or a source that threw: the message says which.
		answer = {ok: false, reason: (error as Error).message};
	}
	if (!answer.ok) return {check: failed(subject, answer.reason), noData: false};
	const {reading} = answer;
	if (reading.value !== null) return {check: passed(subject, `${withUnit(reading.value, entry.unit ?? '')}${withCount(reading)}`), noData: false};
	const why = reading.reason ?? 'no value';
	if (entry.colour === 'green') {
		return {check: passed(subject, `answers, no data yet (${why}): expected while green takes no traffic`), noData: true};
	}
	return {check: failed(subject, `answers, but no data (${why}): blue serves production, so check the app and metric names the source asks for`), noData: true};
};
