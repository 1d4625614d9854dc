import {existsSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {createInterface} from 'node:readline/promises';
import {Writable} from 'node:stream';
import {killAllChildren} from '../adapters/command-runner.js';
import {recordGroupsIn} from '../adapters/process-tree.js';
import {executeCommandStep} from '../adapters/command-step.js';
import {createDriver, type AutoPolicy, type Driver} from '../adapters/driver.js';
import {writeExports} from '../adapters/export/write-exports.js';
import {executeHttpStep} from '../adapters/http-step.js';
import {openJournal, readJournal} from '../adapters/journal.js';
import {createMetricReader} from '../adapters/metrics/metric-reader.js';
import {createRedactor, REDACTED, redactCrashesWith} from '../adapters/redactor.js';
import {acquireSessionLock} from '../adapters/session-lock.js';
import {watchInbox} from '../adapters/session-inbox.js';
import {findResumableSession, newSessionDir, sessionsRoot} from '../adapters/sessions.js';
import {createTrafficExecutor} from '../adapters/traffic-step.js';
import {createWatchExecutor} from '../adapters/watch-step.js';
import type {EngineEvent, RunOutcome} from '../engine/events.js';
import {formatProblem, loadRunbook} from '../runbook/load.js';
import {checkPatterns, resolveEnv, resolveMetrics, resolveVariables, type ResolvedVariables} from '../runbook/resolve.js';
import type {Runbook} from '../runbook/schema.js';
import type {Sandbox} from '../sandbox/sandbox.js';
import {printEvents} from './event-printer.js';
import {loadChecklist} from './load-checklist.js';
import {EXIT, UsageError} from './usage.js';

export type ReleaseOptions = {
	file: string;
	target?: string;
	vars: Record<string, string>;
	operator?: string;
	session?: string;
	yes: boolean;
	json: boolean;
	onFail: 'stop' | 'rollback';
	onUnknown: 'stop' | 'rerun' | 'done';
	/** rehearse: start a sandbox for the session. */
	sandbox?: (sessionDir: string) => Promise<Sandbox>;
	speed: number;
};

const write = (text: string) => process.stdout.write(text);
const say = (text: string) => process.stderr.write(`greenlight: ${text}\n`);

export const defaultOperator = (): string => {
	try {
		return os.userInfo().username;
	} catch {
		return process.env.USER ?? 'operator';
	}
};

/** `greenlight run` and `greenlight rehearse`: the live checklist or its headless twin. */
export const runRelease = async (options: ReleaseOptions): Promise<number> => {
	const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY) && !options.json && !options.yes;
	if (!interactive && !options.yes) {
		throw new UsageError('no terminal to confirm phases in: pass --yes to confirm phases whose checks passed (failing gates are never overridden)');
	}

	const loaded = await loadRunbook(options.file);
	if (!loaded.ok) {
		for (const problem of loaded.problems) process.stderr.write(`${formatProblem(problem)}\n`);
		return EXIT.usage;
	}
	const {runbook} = loaded.loaded;
	const runbookFile = loaded.loaded.file;
	const targetNames = Object.keys(runbook.targets);
	const target = options.target ?? (targetNames.includes('production') ? 'production' : '');
	if (target && !runbook.targets[target]) {
		throw new UsageError(`unknown target "${target}"; the runbook defines: ${targetNames.join(', ') || 'no targets'}`);
	}
	const operator = options.operator ?? defaultOperator();

	// The session: resume an unfinished one of this runbook, or start a new one.
	const root = sessionsRoot(process.cwd());
	let sessionDir = options.session ? path.resolve(options.session) : undefined;
	if (!sessionDir && !options.sandbox) sessionDir = findResumableSession(root, runbookFile);
	sessionDir ??= newSessionDir(root, new Date());
	const journalFile = path.join(sessionDir, 'journal.ndjson');
	let priorEvents: EngineEvent[] = [];
	if (existsSync(journalFile)) {
		const read = readJournal(journalFile);
		if (!read.ok) {
			say(`${read.message}\nThe journal was not used. Inspect ${journalFile}; start a new session with --session <new dir>.`);
			return EXIT.usage;
		}
		for (const warning of read.warnings) say(warning);
		priorEvents = read.events;
		const lastFinish = priorEvents.filter((event) => event.type === 'run-finished').at(-1);
		if (lastFinish && lastFinish.outcome !== 'stopped') {
			say(`session ${sessionDir} has ended (${lastFinish.outcome}); start a new one with --session <new dir>, or export it with greenlight export`);
			return EXIT.usage;
		}
		const started = priorEvents.find((event) => event.type === 'run-started');
		if (started?.type === 'run-started' && started.target !== target) {
			// Half a release on one target and half on another is two releases mixed into one record.
			say(`session ${sessionDir} started on target "${started.target || 'default'}"; resume it with --target ${started.target || '""'}, or start a new session with --session <new dir>`);
			return EXIT.usage;
		}
	}
	const lock = acquireSessionLock(sessionDir, {operator});
	if (!lock.ok) {
		say(lock.message);
		return EXIT.usage;
	}

	const leftovers = recordGroupsIn(path.join(sessionDir, 'children.json'));
	if (leftovers.length > 0) say(`killed ${leftovers.length} process group(s) left running by an earlier greenlight on this session`);

	let sandbox: Sandbox | undefined;
	let driver: Driver | undefined;
	let stopInbox = () => {};
	let exported: {recordPath: string; snapshotDir: string} | undefined;
	const cleanup = async () => {
		stopInbox();
		killAllChildren();
		await sandbox?.stop();
		lock.release();
	};

	try {
		if (options.sandbox) {
			if (!options.json) say('starting the rehearsal sandbox…');
			sandbox = await options.sandbox(sessionDir);
			if (!options.json) say(sandbox.describe());
		}

		const resolved = resolveVariables(runbook, target, {cli: options.vars, env: process.env, runtime: sandbox?.variables});
		if (resolved.problems.length > 0) throw new UsageError(resolved.problems.join('\n'));
		const resumedWith = keepStartedVariables(priorEvents, resolved, options.vars, sandbox?.variables ?? {});
		if (resumedWith.conflicts.length > 0) throw new UsageError(resumedWith.conflicts.join('\n'));
		for (const missing of resolved.missing) {
			if (!interactive || !missing.prompt) {
				throw new UsageError(`variable ${missing.name} has no value: pass --var ${missing.name}=…`);
			}
			resolved.values[missing.name] = await ask(`${missing.prompt}: `, resolved.secretNames.includes(missing.name));
		}
		const patternProblems = checkPatterns(runbook, resolved.values);
		if (patternProblems.length > 0) throw new UsageError(patternProblems.join('\n'));

		const secrets = resolved.secretNames.map((name) => resolved.values[name]).filter((value): value is string => Boolean(value));
		const redactor = createRedactor(secrets);
		redactCrashesWith(redactor);
		const journal = openJournal(journalFile);
		const reader = createMetricReader();
		const auto: AutoPolicy | undefined = options.yes ? {onFail: options.onFail, onUnknown: options.onUnknown} : undefined;
		// A real release drafts docs/releases/ in the repository it runs in; a rehearsal keeps its record in the session.
		const recordDir = options.sandbox ? sessionDir : process.cwd();
		const version = resolved.values.version ?? path.basename(sessionDir);

		driver = createDriver({
			runbook,
			runbookFile,
			links: loaded.loaded.links,
			target,
			operator,
			sessionDir,
			session: path.basename(sessionDir),
			variables: resolved.values,
			secretVariables: resolved.secretNames,
			env: resolveEnv(runbook, target, process.env, sandbox?.env),
			metrics: resolveMetrics(runbook, target),
			speed: options.speed,
			journal,
			redactor,
			executors: {
				command: executeCommandStep,
				http: executeHttpStep,
				watch: createWatchExecutor(reader),
				traffic: createTrafficExecutor(reader),
			},
			auto,
			priorEvents,
			writeExports: async (what, events) => {
				const written = await writeExports({
					events: [...events],
					sessionDir: sessionDir!,
					outDir: recordDir,
					version,
					redactor,
					...exportTitles(runbook),
				});
				exported = written;
				return what === 'snapshot' ? written.snapshotDir : written.recordPath;
			},
		});
		const running = driver;
		stopInbox = watchInbox(sessionDir, (message) => {
			if ('joined' in message) return running.recordJoin(message.operator);
			// The pair may only add notes and confirm four-eyes phases; everything else stays with the driver.
			running.sendFromPair(message.intent, message.operator);
		});

		let signalled = false;
		const onSignal = (signal: NodeJS.Signals) => {
			signalled = true;
			void running.shutdown(`${signal} received`);
		};
		process.once('SIGINT', onSignal);
		process.once('SIGTERM', onSignal);
		process.once('SIGHUP', onSignal);

		if (interactive) {
			const {renderChecklist} = await loadChecklist();
			// Ctrl-C while the screen loaded: the run stopped before it began, so there is nothing to draw.
			if (!signalled) {
				const ui = renderChecklist({
					store: running,
					send: (intent) => running.send(intent),
					role: 'driver',
					operator,
					speed: options.speed,
				});
				running.start();
				await ui;
			}
		} else {
			running.onEvent(printEvents(write, options.json));
			running.start();
		}
		const outcome: RunOutcome = await running.done;
		await cleanup();
		if (!options.json) {
			summarize(running, outcome, sessionDir);
			if (outcome === 'stopped') say(`resume with: ${resumeCommand(options, sessionDir)}`);
			if (exported) say(`release record ${path.relative(process.cwd(), exported.recordPath)}, snapshot ${path.relative(process.cwd(), exported.snapshotDir)}`);
		}
		return outcome === 'completed' ? EXIT.completed : EXIT.failed;
	} catch (error) {
		if (driver && !driver.getState().outcome) await driver.shutdown(`error: ${(error as Error).message}`);
		await cleanup();
		throw error;
	}
};

/** Phase titles and metric names for the release record and the dashboard. */
export const exportTitles = (runbook: Runbook) => ({
	phaseTitles: Object.fromEntries(
		[...runbook.phases, ...(runbook.rollback ? [{id: 'rollback', title: runbook.rollback.title}] : [])].map((phase) => [phase.id, phase.title]),
	),
	metrics: Object.fromEntries(Object.entries(runbook.metrics).map(([id, metric]) => [id, {title: metric.title, unit: metric.unit}])),
});

/** The command that picks a stopped session up again; a rehearsal also finds its sandbox as it left it. */
const resumeCommand = (options: ReleaseOptions, sessionDir: string): string => {
	const quote = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`);
	const words = ['greenlight', options.sandbox ? 'rehearse' : 'run', options.file, '--session', path.relative(process.cwd(), sessionDir) || '.'];
	if (options.target && !(options.sandbox && options.target === 'rehearsal')) words.push('--target', options.target);
	if (options.sandbox && options.speed !== 20) words.push('--speed', String(options.speed));
	return words.map(quote).join(' ');
};

const summarize = (driver: Driver, outcome: RunOutcome, sessionDir: string) => {
	const state = driver.getState();
	const confirmed = state.phases.filter((phase) => phase.confirmed).length;
	say(
		`${outcome}${state.outcomeReason ? ` (${state.outcomeReason})` : ''} — ${confirmed}/${state.phases.length} phases confirmed, rollback ${state.rollback?.active ? 'yes' : 'no'}, break-glass ${state.breakGlass ? 'yes' : 'no'}; session ${sessionDir}`,
	);
};

/**
 * A resumed session goes on with the values it started with: a release does not change its version
 * half-way. Secrets (never journaled) and what a sandbox learns at run time (ports) are taken anew;
 * a --var that contradicts the journal is refused rather than silently mixed in.
 */
export const keepStartedVariables = (
	priorEvents: readonly EngineEvent[],
	resolved: ResolvedVariables,
	cli: Readonly<Record<string, string>>,
	runtime: Readonly<Record<string, string>>,
): {conflicts: string[]} => {
	const started = priorEvents.find((event) => event.type === 'run-started');
	if (started?.type !== 'run-started') return {conflicts: []};
	const conflicts: string[] = [];
	for (const [name, value] of Object.entries(started.variables)) {
		if (started.secretVariables.includes(name) || resolved.secretNames.includes(name) || name in runtime) continue;
		// A value the journal holds redacted (it contained a secret or a token) is resolved anew.
		if (value.includes(REDACTED)) continue;
		const given = cli[name];
		if (given !== undefined && given !== value) {
			conflicts.push(`--var ${name}=${given}: this session started with ${name}=${value}; resume with the same value, or start a new session with --session <new dir>`);
			continue;
		}
		resolved.values[name] = value;
		resolved.missing = resolved.missing.filter((missing) => missing.name !== name);
	}
	return {conflicts};
};

/** Asks for a value on the terminal; a secret is not echoed. */
const ask = async (question: string, secret = false): Promise<string> => {
	let muted = false;
	const output = new Writable({
		write(chunk: Buffer | string, _encoding, callback) {
			if (!muted) process.stdout.write(chunk);
			callback();
		},
	});
	const readline = createInterface({input: process.stdin, output, terminal: true});
	try {
		const answer = readline.question(question);
		muted = secret;
		const value = (await answer).trim();
		if (secret) process.stdout.write('\n');
		return value;
	} finally {
		readline.close();
	}
};
