// What every metric source gives back, what it is given, and the few rules all sources share.
import {formatDuration, parseDuration} from '../../runbook/duration.js';
import type {MetricSource} from '../../runbook/schema.js';

/** One reading of a metric source. `null` is unknown, and `reason` says why. */
export type MetricReading = {value: number | null; reason?: string};

export type MetricReadContext = {
	variables: Readonly<Record<string, string>>;
	env: Readonly<Record<string, string>>;
	signal?: AbortSignal;
};

export type MetricReader = {
	read(source: MetricSource, context: MetricReadContext): Promise<MetricReading>;
};

/** Sources wait this long for an answer unless the runbook says otherwise. */
export const DEFAULT_SOURCE_TIMEOUT_MS = 10_000;

/** How long a source waits for its answer: its own `timeout`, else the default. */
export const sourceTimeoutMs = (source: {timeout?: string}): number =>
	source.timeout ? parseDuration(source.timeout) : DEFAULT_SOURCE_TIMEOUT_MS;

export const unknown = (reason: string): MetricReading => ({value: null, reason});

/** A number only when it is a finite one: NaN and ±Inf say nothing a gate can judge. */
export const finiteReading = (value: number, what: string): MetricReading =>
	Number.isFinite(value) ? {value} : unknown(`${what} is ${Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf'}`);

/** A timeout as a person reads it: "250 ms", "10s", "1m30s". */
export const describeWait = (ms: number): string => (ms < 1000 ? `${ms} ms` : formatDuration(ms));
