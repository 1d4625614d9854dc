import type {MetricSource} from '../../runbook/schema.js';
import {formatSpan} from '../../engine/gate.js';
import {latencyQuantile} from '../load/load-record.js';
import {unknown, type MetricReadContext, type MetricReading} from './reading.js';

export type LoadSource = Extract<MetricSource, {type: 'load'}>;

const QUANTILES = {p50: 0.5, p95: 0.95, p99: 0.99} as const;

/**
 * The step's own synthetic load as its client measured it, over the gate's window (default: since
 * the load began): a latency quantile of the answered requests with those latencies as evidence
 * (so a gate can ask for a count), or the share of errors with its hits.
 */
export const readLoad = (source: LoadSource, context: MetricReadContext): MetricReading => {
	if (!context.load) return unknown('no synthetic load runs in this step (a metric of type "load" reads the watch\'s own "load")');
	const stats = context.load.stats(context.window ?? {});
	const span = {windowMs: stats.windowMs, noun: 'requests'};
	if (source.stat === 'errors') {
		const evidence = {count: stats.requests, hits: stats.errors, ...span};
		if (stats.requests === 0) return {value: null, reason: `no synthetic request ended in the last ${formatSpan(stats.windowMs)}`, evidence};
		return {value: (100 * stats.errors) / stats.requests, evidence};
	}
	const quantile = QUANTILES[source.stat];
	const evidence = {count: stats.latencies.length, observations: stats.latencies, quantile, ...span};
	const value = latencyQuantile(stats.latencies, quantile);
	if (value === null) return {value: null, reason: `no synthetic request was answered in the last ${formatSpan(stats.windowMs)}`, evidence};
	return {value, evidence};
};
