import path from 'node:path';
import {exportTitles, writeExports} from '../adapters/export/write-exports.js';
import {followJournal} from '../adapters/journal.js';
import {sessionLogs} from '../adapters/log-view.js';
import {createRedactor} from '../adapters/redactor.js';
import {postToInbox} from '../adapters/session-inbox.js';
import {pickSession, readSession, sessionPaths} from '../adapters/session-folder.js';
import type {EngineEvent, RunStarted} from '../engine/events.js';
import {reduce, replay} from '../engine/reduce.js';
import {initialState, type RunState} from '../engine/state.js';
import {formatProblem, loadRunbook} from '../runbook/load.js';
import {printEvents} from './event-printer.js';
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

/** `greenlight join`: the same live view, built from the driver's journal. */
export const joinSession = async (options: {session?: string; operator: string; json: boolean}): Promise<number> => {
	const {sessionDir, events, started} = startedSession(options.session);
	const loaded = await loadRunbook(started.runbookFile);
	if (!loaded.ok) {
		for (const problem of loaded.problems) process.stderr.write(`${formatProblem(problem)}\n`);
		return EXIT.usage;
	}
	let state: RunState = replay(initialState(loaded.loaded.runbook, loaded.loaded.links), events);
	if (state.outcome) {
		say(`session ${path.basename(sessionDir)} has finished: ${state.outcome}`);
		return EXIT.usage;
	}
	const listeners = new Set<() => void>();
	const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY) && !options.json;
	const print = printEvents((text) => process.stdout.write(text), options.json);
	let finished: () => void = () => {};
	const ended = new Promise<void>((resolve) => {
		finished = resolve;
	});
	const seen = [...events];
	const stopFollowing = followJournal(sessionPaths(sessionDir).journal, (fresh) => {
		if (!interactive) fresh.forEach(print);
		seen.push(...fresh);
		state = fresh.reduce(reduce, state);
		for (const listener of listeners) listener();
		if (state.outcome) finished();
	}, {after: events.length});
	postToInbox(sessionDir, {operator: options.operator, joined: true});
	try {
		if (interactive) {
			const {renderChecklist} = await loadChecklist();
			await renderChecklist({
				store: {
					getState: () => state,
					subscribe(listener) {
						listeners.add(listener);
						return () => listeners.delete(listener);
					},
					events: () => seen,
				},
				send: (intent) => postToInbox(sessionDir, {operator: options.operator, intent}),
				role: 'pair',
				operator: options.operator,
				logs: sessionLogs(sessionPaths(sessionDir).logs),
			});
		} else {
			await ended;
		}
	} finally {
		stopFollowing();
	}
	return state.outcome === 'completed' || !state.outcome ? EXIT.completed : EXIT.failed;
};

/** `greenlight export`: the release record and snapshot again, from any journal. */
export const exportSession = async (options: {session?: string; out?: string}): Promise<number> => {
	const {sessionDir, events, started} = startedSession(options.session);
	const outDir = path.resolve(options.out ?? process.cwd());
	const version = started.variables.version ?? path.basename(sessionDir);
	const loaded = await loadRunbook(started.runbookFile);
	const written = await writeExports({
		events,
		sessionDir,
		outDir,
		version,
		redactor: createRedactor([]),
		...(loaded.ok ? exportTitles(loaded.loaded.runbook) : {}),
	});
	process.stdout.write(`release record: ${written.recordPath}\nsnapshot: ${written.snapshotDir}\n`);
	return EXIT.completed;
};
