import path from 'node:path';
import {exportTitles, writeExports} from '../adapters/export/write-exports.js';
import {sessionLogs} from '../adapters/log-view.js';
import {createRedactor} from '../adapters/redactor.js';
import {connectPair, type PairClient} from '../adapters/pair-channel.js';
import {pickSession, readSession, sessionPaths} from '../adapters/session-folder.js';
import type {EngineEvent, RunStarted} from '../engine/events.js';
import {reduce, replay} from '../engine/reduce.js';
import {initialState, type RunState} from '../engine/state.js';
import {formatProblem, loadRunbook} from '../runbook/load.js';
import {printEvents} from './event-printer.js';
import {firstFrameDrawn} from './first-frame.js';
import {loadChecklist} from './load-checklist.js';
import {EXIT, UsageError} from './usage.js';

const say = (text: string) => process.stderr.write(`greenlight: ${text}\n`);

// `greenlight join` and `greenlight export`: read a session another process drives or drove.

/** A session that has started a run: its folder, its events so far and how it started. */
const startedSession = (session: string | undefined): {sessionDir: string; events: EngineEvent[]; started: RunStarted} => {
	const sessionDir = pickSession(session, process.cwd());
	if (!sessionDir) throw new UsageError('no session found in .greenlight/sessions; pass --session DIR');
	const read = readSession(sessionDir);
	if (!read.ok) throw new UsageError(read.message);
	const started = read.events.find((event): event is RunStarted => event.type === 'run-started');
	if (!started) throw new UsageError(`session ${sessionDir} has not started a run`);
	return {sessionDir, events: read.events, started};
};

/**
 * `greenlight join`: the same live view, from the driver's own event stream over the session's
 * socket; notes and the second confirmation of four-eyes phases go back the same way, as who the
 * session's mode has verified (`--key` signs confirmations in ssh-key mode).
 */
export const joinSession = async (options: {session?: string; operator: string; json: boolean; key?: string}): Promise<number> => {
	const sessionDir = pickSession(options.session, process.cwd());
	if (!sessionDir) throw new UsageError('no session found in .greenlight/sessions; pass --session DIR');
	let client: PairClient;
	try {
		client = await connectPair({sessionDir, operator: options.operator, key: options.key ? path.resolve(options.key) : undefined});
	} catch (error) {
		throw new UsageError((error as Error).message);
	}
	const seen: EngineEvent[] = [];
	const first = new Promise<void>((resolve) => {
		client.onEvents((batch) => {
			seen.push(...batch);
			resolve();
			onFresh(batch);
		});
	});
	let onFresh: (batch: EngineEvent[]) => void = () => {};
	await first;
	const started = seen.find((event): event is RunStarted => event.type === 'run-started');
	if (!started) {
		client.close();
		throw new UsageError(`session ${sessionDir} has not started a run yet; join again in a moment`);
	}
	const loaded = await loadRunbook(started.runbookFile);
	if (!loaded.ok) {
		client.close();
		for (const problem of loaded.problems) process.stderr.write(`${formatProblem(problem)}\n`);
		return EXIT.usage;
	}
	let state: RunState = replay(initialState(loaded.loaded.runbook, loaded.loaded.links), seen);
	const identity = client.identity;
	if (identity.verified === 'name') say(`joined as ${identity.operator}, known by name only: your confirmations are recorded as not verified`);
	else say(`joined as ${identity.operator}, verified by ${identity.verified === 'uid' ? 'your Unix user' : 'your SSH key'}`);
	const listeners = new Set<() => void>();
	const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY) && !options.json;
	const print = printEvents((text) => process.stdout.write(text), options.json);
	if (!interactive) seen.forEach(print);
	let finished: () => void = () => {};
	const ended = new Promise<void>((resolve) => {
		finished = resolve;
	});
	onFresh = (batch) => {
		if (!interactive) batch.forEach(print);
		state = batch.reduce(reduce, state);
		for (const listener of listeners) listener();
		if (state.outcome) finished();
	};
	// The driver went away (stopped, crashed): the view ends with what it last knew.
	void client.closed.then(() => finished());
	try {
		if (interactive) {
			const {renderChecklist} = await loadChecklist();
			const ui = renderChecklist({
				store: {
					getState: () => state,
					subscribe(listener) {
						listeners.add(listener);
						return () => listeners.delete(listener);
					},
					events: () => seen,
				},
				// The driver's answer comes back as an event: a refusal is journaled and shown to both.
				send: (intent) => {
					void client.send(intent);
				},
				role: 'pair',
				operator: identity.operator,
				logs: sessionLogs(sessionPaths(sessionDir).logs),
			});
			firstFrameDrawn();
			await ui;
		} else {
			await Promise.race([ended, client.closed]);
		}
	} finally {
		client.close();
	}
	return state.outcome === 'completed' || !state.outcome ? EXIT.completed : EXIT.failed;
};

/** `greenlight export`: the release record and snapshot again, from any journal. */
export const exportSession = async (options: {session?: string; out?: string}): Promise<number> => {
	const {sessionDir, events, started} = startedSession(options.session);
	const outDir = path.resolve(options.out ?? process.cwd());
	// --out DIR takes the record and the snapshot together; without it the snapshot stays in the session.
	const snapshotDir = options.out === undefined ? undefined : path.join(outDir, 'export');
	const version = started.variables.version ?? path.basename(sessionDir);
	const loaded = await loadRunbook(started.runbookFile);
	const written = await writeExports({
		events,
		sessionDir,
		outDir,
		snapshotDir,
		version,
		redactor: createRedactor([]),
		...(loaded.ok ? exportTitles(loaded.loaded.runbook) : {}),
	});
	process.stdout.write(`release record: ${written.recordPath}\nsnapshot: ${written.snapshotDir}\n`);
	return EXIT.completed;
};
