// What every metric source gives back, what it is given, and the few rules all sources share.
import {formatDuration, parseDuration} from '../../runbook/duration.js';
import type {Observed} from '../../engine/gate.js';
import type {MetricSource} from '../../runbook/schema.js';
import type {LoadWindowStats} from '../load/load-record.js';

export type {Evidence} from '../../engine/gate.js';

/**
 * One reading of a metric source. `null` is unknown, and `reason` says why; `evidence` is the
 * observations behind the value (count, histogram, hits) where the source can count them.
 */
export type MetricReading = Observed;

/** The span a gate asks its sources to read over: the last `ms`, or everything since `since`. */
export type ReadWindow = {ms: number; since?: number};

export type MetricReadContext = {
	/** Variables for the source's templates; {{window}} among them while a gate samples. */
	variables: Readonly<Record<string, string>>;
	/** Variables declared `optionLike`: a whole argument may start with "-". */
	optionLike?: readonly string[];
	env: Readonly<Record<string, string>>;
	signal?: AbortSignal;
	/** The gate's window; without it a source reads over its own. */
	window?: ReadWindow;
	/** The synthetic load the step drives, for sources of type "load". */
	load?: LoadReadout;
};

/** A running synthetic load's figures over a window (adapters/load/synthetic-load.ts). */
export type LoadReadout = {stats: (window: {since?: number; ms?: number}) => LoadWindowStats};

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

/** A window as PromQL writes a range: whole seconds, at least one. */
export const rangeDuration = (ms: number): string => `${Math.max(1, Math.round(ms / 1000))}s`;

/** A timeout as a person reads it: "250 ms", "10s", "1m30s". */
export const describeWait = (ms: number): string => (ms < 1000 ? `${ms} ms` : formatDuration(ms));
