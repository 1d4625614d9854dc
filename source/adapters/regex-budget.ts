import {Worker} from 'node:worker_threads';

// A runbook's regexes (captures, expectations) run with a time budget, in a worker thread: a
// catastrophic pattern such as ^(a+)+$ backtracks for minutes, and on greenlight's own thread it
// would freeze the screen, the timers and the signal handlers with it. Past the budget the worker
// is terminated (which stops the regex mid-match) and the step fails with a reason.

/** How long one match may take. Generous for honest patterns over megabytes of output. */
export const REGEX_BUDGET_MS = 2000;

export type RegexMatch = {ok: true; match: Array<string | undefined> | null} | {ok: false; reason: string};

const workerSource = `
const {parentPort} = require('node:worker_threads');
parentPort.on('message', ({id, source, flags, text}) => {
	try {
		const match = new RegExp(source, flags).exec(text);
		parentPort.postMessage({id, match: match ? Array.from(match) : null});
	} catch (error) {
		parentPort.postMessage({id, error: String(error && error.message)});
	}
});
`;

type Job = {id: number; source: string; flags: string; text: string; budgetMs: number; resolve: (answer: RegexMatch) => void};

let worker: Worker | undefined;
/** Whether the worker's thread runs: starting one is not the pattern's time, and on a busy machine it can take seconds. */
let online = false;
let current: (Job & {timer: NodeJS.Timeout}) | undefined;
const queue: Job[] = [];
let nextId = 1;

const startWorker = (): Worker => {
	const fresh = new Worker(workerSource, {eval: true});
	online = false;
	fresh.once('online', () => {
		if (worker !== fresh) return;
		online = true;
		pump();
	});
	fresh.on('message', (message: {id: number; match?: Array<string | undefined> | null; error?: string}) => {
		if (!current || message.id !== current.id) return;
		const job = current;
		clearTimeout(job.timer);
		current = undefined;
		job.resolve(message.error === undefined ? {ok: true, match: message.match ?? null} : {ok: false, reason: `invalid regex /${job.source}/: ${message.error}`});
		pump();
	});
	fresh.on('error', (error) => {
		if (worker === fresh) worker = undefined;
		const job = current;
		current = undefined;
		if (job) {
			clearTimeout(job.timer);
			job.resolve({ok: false, reason: `regex /${job.source}/ could not run: ${error.message}`});
		} else {
			// The thread never came up: the waiting pattern is told why, rather than waiting for ever.
			const waiting = queue.shift();
			waiting?.resolve({ok: false, reason: `regex /${waiting.source}/ could not run: ${error.message}`});
		}
		pump();
	});
	// A waiting worker never keeps greenlight alive (after the listeners: adding one refs it again).
	fresh.unref();
	return fresh;
};

const pump = (): void => {
	if (current) return;
	if (queue.length === 0) return;
	if (!worker) worker = startWorker();
	// The budget starts when the worker can run the pattern; until then the job waits in the queue.
	if (!online) return;
	const job = queue.shift();
	if (!job) return;
	const running = worker;
	const timer = setTimeout(() => {
		if (current?.id !== job.id) return;
		current = undefined;
		// Terminating the thread is the only way to stop a regex that is backtracking.
		void running.terminate();
		if (worker === running) worker = undefined;
		job.resolve({
			ok: false,
			reason: `regex /${job.source}/ took longer than ${job.budgetMs} ms on ${job.text.length} characters and was stopped (catastrophic backtracking?)`,
		});
		pump();
	}, job.budgetMs);
	current = {...job, timer};
	running.postMessage({id: job.id, source: job.source, flags: job.flags, text: job.text});
};

/** `new RegExp(source, flags).exec(text)`, within the budget; a bad pattern or a timeout is a reason, never a throw. */
export const execWithin = (source: string, flags: string, text: string, budgetMs = REGEX_BUDGET_MS): Promise<RegexMatch> =>
	new Promise((resolve) => {
		queue.push({id: nextId++, source, flags, text, budgetMs, resolve});
		pump();
	});
