import {existsSync} from 'node:fs';
import {Worker} from 'node:worker_threads';
import {readOperations} from '../openapi/operations.js';
import {createLoadRecord, describeLoadWindow, type LoadOutcome, type LoadWindowStats} from './load-record.js';
import {planLoad} from './load-plan.js';

// Steady synthetic load at a URL for as long as a watch runs: autocannon (a well-kept load
// generator) sends the OpenAPI file's safe operations at a fixed overall rate. It runs in a worker
// thread, so its client measures latency on an event loop of its own, not on the one that draws
// the screen (and, in a rehearsal, serves the sandbox); the worker reports every finished request.

export type SyntheticLoadOptions = {
	url: string;
	/** Absolute path of the OpenAPI file. */
	openapi: string;
	/** Requests per second over all connections. */
	rate: number;
	connections?: number;
	/** operationIds; default: the file's safe operations. */
	operations?: readonly string[];
	/** Request bodies by operationId, instead of the file's examples. */
	bodies?: Readonly<Record<string, string>>;
	timeoutMs?: number;
	/** The longest the load may run; it is stopped earlier with stop(). */
	maxDurationMs: number;
	log: (line: string) => void;
};

export type RunningLoad = {
	/** Figures over a window: since `since`, the last `ms`, or (neither) since the load started. */
	stats: (window: {since?: number; ms?: number}) => LoadWindowStats;
	/** Stops sending, waits for the requests under way, and returns the figures of the whole run. */
	stop: () => Promise<LoadWindowStats>;
};

export type LoadStart = {ok: true; load: RunningLoad} | {ok: false; reason: string};

const DEFAULT_CONNECTIONS = 10;
const DEFAULT_TIMEOUT_MS = 10_000;
/** Batches of outcomes the worker sends: the figures are never staler than this. */
const REPORT_MS = 200;
const STOP_WAIT_MS = 5_000;
/** How often the log says what the load has seen so far. */
const PROGRESS_MS = 10_000;

// autocannon is CommonJS and loads in about a second; the worker pays for it, not greenlight's thread.
const workerSource = `
const {parentPort, workerData} = require('node:worker_threads');
const {createRequire} = require('node:module');
const autocannon = createRequire(workerData.from)('autocannon');
let batch = [];
const flush = () => {
	if (batch.length === 0) return;
	parentPort.postMessage({type: 'outcomes', outcomes: batch});
	batch = [];
};
const timer = setInterval(flush, workerData.reportMs);
const instance = autocannon(
	{
		url: workerData.origin,
		requests: workerData.requests,
		connections: workerData.connections,
		overallRate: workerData.rate,
		duration: workerData.durationSeconds,
		timeout: workerData.timeoutSeconds,
	},
	(error) => {
		clearInterval(timer);
		flush();
		parentPort.postMessage(error ? {type: 'failed', reason: String((error && error.message) || error)} : {type: 'done'});
	},
);
instance.on('start', () => parentPort.postMessage({type: 'started'}));
instance.on('response', (client, status, bytes, ms) => batch.push({ts: Date.now(), ms, status}));
instance.on('reqError', (error) => {
	batch.push({ts: Date.now(), ms: null, status: 0});
	parentPort.postMessage({type: 'request-error', reason: String((error && (error.code || error.message)) || error)});
});
parentPort.on('message', (message) => {
	if (message === 'stop') instance.stop();
});
`;

type WorkerMessage =
	| {type: 'started'}
	| {type: 'outcomes'; outcomes: LoadOutcome[]}
	| {type: 'request-error'; reason: string}
	| {type: 'failed'; reason: string}
	| {type: 'done'};

/** Reads the OpenAPI file, chooses the requests and starts sending them; or says why it cannot. */
export const startSyntheticLoad = async (options: SyntheticLoadOptions): Promise<LoadStart> => {
	let base: URL;
	try {
		base = new URL(options.url);
	} catch {
		return {ok: false, reason: `load: "${options.url}" is not a URL`};
	}
	if (base.protocol !== 'http:' && base.protocol !== 'https:') return {ok: false, reason: `load: ${options.url} must be http(s)`};
	if (!existsSync(options.openapi)) return {ok: false, reason: `load: OpenAPI file not found: ${options.openapi}`};
	let plan: ReturnType<typeof planLoad>;
	try {
		plan = planLoad(await readOperations(options.openapi), options.operations, {headers: {'user-agent': 'greenlight-synthetic-load'}, bodies: options.bodies});
	} catch (error) {
		return {ok: false, reason: `load: ${(error as Error).message}`};
	}
	if (!plan.ok) return {ok: false, reason: `load: ${plan.reason}`};

	const prefix = base.pathname.replace(/\/+$/, '');
	const connections = Math.min(options.rate, options.connections ?? DEFAULT_CONNECTIONS);
	const requests = plan.requests.map((request) => ({method: request.method, path: `${prefix}${request.path}`, headers: request.headers, ...(request.body === undefined ? {} : {body: request.body})}));
	for (const skipped of plan.skipped) options.log(`load: skip ${skipped}`);
	options.log(`load: ${options.rate} requests/s over ${connections} connections to ${base.origin}${prefix} (autocannon): ${plan.requests.map((request) => request.label).join(', ')}`);

	const record = createLoadRecord(Date.now());
	const worker = new Worker(workerSource, {
		eval: true,
		workerData: {
			from: import.meta.url,
			origin: base.origin,
			requests,
			connections,
			rate: options.rate,
			durationSeconds: Math.ceil(options.maxDurationMs / 1000) + 60,
			timeoutSeconds: Math.max(1, Math.round((options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)),
			reportMs: REPORT_MS,
		},
	});
	const errorsSeen = new Set<string>();
	let finished: () => void = () => {};
	const ended = new Promise<void>((resolve) => {
		finished = resolve;
	});
	const started = new Promise<{ok: true} | {ok: false; reason: string}>((resolve) => {
		worker.on('message', (message: WorkerMessage) => {
			switch (message.type) {
				case 'started':
					return resolve({ok: true});
				case 'outcomes':
					return record.add(message.outcomes);
				case 'request-error':
					// Each kind of failure once in the log; the counts are in the figures.
					if (!errorsSeen.has(message.reason) && errorsSeen.size < 5) {
						errorsSeen.add(message.reason);
						options.log(`load: a request failed: ${message.reason}`);
					}
					return;
				case 'failed':
					options.log(`load: autocannon stopped: ${message.reason}`);
					resolve({ok: false, reason: `load: autocannon could not run: ${message.reason}`});
					return finished();
				case 'done':
					return finished();
			}
		});
		worker.once('error', (error) => {
			options.log(`load: the load's thread failed: ${error.message}`);
			resolve({ok: false, reason: `load: the load's thread failed: ${error.message}`});
			finished();
		});
		worker.once('exit', () => {
			resolve({ok: false, reason: 'load: the load\'s thread ended before it started'});
			finished();
		});
	});
	const begun = await started;
	if (!begun.ok) {
		await worker.terminate();
		return begun;
	}

	const progress = setInterval(() => options.log(`load so far: ${describeLoadWindow(record.window({}, Date.now()))}`), PROGRESS_MS);
	let stopping: Promise<LoadWindowStats> | undefined;
	return {
		ok: true,
		load: {
			stats: (window) => record.window(window, Date.now()),
			stop: () => {
				stopping ??= (async () => {
					clearInterval(progress);
					worker.postMessage('stop');
					await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS))]);
					await worker.terminate();
					const whole = record.window({}, Date.now());
					options.log(`load: ${describeLoadWindow(whole)}`);
					return whole;
				})();
				return stopping;
			},
		},
	};
};
