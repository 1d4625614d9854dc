import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {openJournal} from '../adapters/journal.js';
import {sessionLogs} from '../adapters/log-view.js';
import {createRedactor, redactCrashesWith} from '../adapters/redactor.js';
import {killAllChildren} from '../adapters/process-tree.js';
import type {RunOutcome} from '../engine/events.js';
import {formatProblem, loadRunbook} from '../runbook/load.js';
import {pairSettings, resolveEnv, resolveMetrics} from '../runbook/resolve.js';
import {createDriver, type AutoPolicy, type Driver, type DriverJournal} from '../run/driver.js';
import type {stepExecutors} from '../run/executors.js';
import type {Executors} from '../run/step-run.js';
import type {Sandbox} from '../sandbox/sandbox.js';
import {printEvents} from './event-printer.js';
import {firstFrameDrawn} from './first-frame.js';
import {loadChecklist} from './load-checklist.js';
import {defaultOperator} from './operator.js';
import {openSessionForRun} from './open-session.js';
import {outcomeLine, resumeCommand} from './release-summary.js';
import {releaseVariables} from './release-variables.js';
import {EXIT, REHEARSAL_SPEED, UsageError} from './usage.js';

// `greenlight run` and `greenlight rehearse`: opens the session, resolves the variables, wires the
// run loop to the journal, the inbox and the screen (or plain output), and says how it ended.

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

/**
 * The step executors (execa, the metric sources, the load generator…), evaluated when the first
 * step runs rather than before the first frame: the checklist needs none of them to be drawn.
 */
const lazyExecutors = (): Executors => {
	let loaded: Promise<Executors> | undefined;
	const load = () =>
		(loaded ??= Promise.all([import('../run/executors.js'), import('../adapters/metrics/metric-reader.js')]).then(([{stepExecutors}, {createMetricReader}]) =>
			stepExecutors(createMetricReader()),
		));
	return Object.fromEntries(
		Object.keys(EXECUTED).map((kind) => [kind, async (context: never) => ((await load())[kind as ExecutedKind] as (context: never) => Promise<unknown>)(context)]),
	) as Executors;
};

type ExecutedKind = keyof ReturnType<typeof stepExecutors>;
/** Every kind stepExecutors runs, and only those: a kind added there and not here does not compile. */
const EXECUTED: Record<ExecutedKind, true> = {command: true, http: true, watch: true, traffic: true};

const say = (text: string) => process.stderr.write(`greenlight: ${text}\n`);

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

	// The screen loads while the session is opened: the lock is taken by a child process, started
	// before the screen's modules are evaluated, and Ink's layout engine compiles its WebAssembly on
	// another thread, so the first frame waits for neither.
	const checklist = interactive ? loadChecklist() : undefined;
	checklist?.catch(() => undefined);

	const runbookSha256 = createHash('sha256').update(readFileSync(runbookFile)).digest('hex');
	const session = await openSessionForRun({session: options.session, runbookFile, runbookSha256, target, operator, rehearsal: Boolean(options.sandbox)}, say);
	if (!session) return EXIT.usage;
	const {sessionDir, paths, priorEvents, lock} = session;

	let sandbox: Sandbox | undefined;
	let driver: Driver | undefined;
	let stopPair: () => Promise<void> = async () => {};
	let exported: {recordPath: string; snapshotDir: string} | undefined;
	const cleanup = async () => {
		await stopPair();
		killAllChildren();
		await sandbox?.stop();
		await lock.release();
	};

	try {
		if (options.sandbox) {
			if (!options.json) say('starting the rehearsal sandbox…');
			sandbox = await options.sandbox(sessionDir);
			if (!options.json) say(sandbox.describe());
		}

		const resolved = await releaseVariables({runbook, target, cli: options.vars, runtime: sandbox?.variables, priorEvents, interactive});
		const secrets = resolved.secretNames.map((name) => resolved.values[name]).filter((value): value is string => Boolean(value));
		const redactor = createRedactor(secrets);
		redactCrashesWith(redactor);
		// A new session's journal is created, and its folder synced to disk, by the first event (run-started,
		// after the first frame); a resumed one is opened now, so a journal that cannot be appended to stops here.
		let opened = priorEvents.length > 0 ? openJournal(paths.journal) : undefined;
		const journal: DriverJournal = {appendAll: (events) => (opened ??= openJournal(paths.journal)).appendAll(events)};
		const auto: AutoPolicy | undefined = options.yes ? {onFail: options.onFail, onUnknown: options.onUnknown} : undefined;
		// A real release drafts docs/releases/ in the repository it runs in; a rehearsal keeps its record in the session.
		const recordDir = options.sandbox ? sessionDir : process.cwd();
		const version = resolved.values.version ?? path.basename(sessionDir);

		driver = createDriver({
			runbook,
			runbookFile,
			runbookSha256,
			links: loaded.loaded.links,
			target,
			operator,
			sessionDir,
			session: paths.id,
			variables: resolved.values,
			secretVariables: resolved.secretNames,
			env: resolveEnv(runbook, target, process.env, sandbox?.env),
			metrics: resolveMetrics(runbook, target),
			speed: options.speed,
			journal,
			redactor,
			executors: lazyExecutors(),
			auto,
			priorEvents,
			writeExports: async (what, events) => {
				const {exportTitles, writeExports} = await import('../adapters/export/write-exports.js');
				const written = await writeExports({
					events: [...events],
					sessionDir,
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
		// The pair reaches the driver through this socket only, as who it proved to be. It opens with the
		// run's start: the screen is drawn first, and none of the socket's modules are needed for that.
		const openPair = async () => {
			const {startPairServer} = await import('../adapters/pair-channel.js');
			const pair = pairSettings(runbook, target, Boolean(options.sandbox), path.dirname(runbookFile));
			const channel = await startPairServer({
				sessionDir,
				session: paths.id,
				mode: pair.verify,
				allowedSigners: pair.allowedSigners,
				history: () => running.events(),
				onEvent: (listener) => running.onEvent(listener),
				// The pair may only add notes and confirm four-eyes phases; everything else stays with the driver.
				handle: (intent, identity) => running.sendFromPair(intent, identity.operator, identity.verified),
				onJoin: (identity) => running.recordJoin(identity.operator, identity.verified),
				onRefused: (reason, identity) => running.recordRefusal(reason, identity?.operator),
			});
			stopPair = () => channel.close();
		};

		let signalled = false;
		const onSignal = (signal: NodeJS.Signals) => {
			signalled = true;
			void running.shutdown(`${signal} received`);
		};
		process.once('SIGINT', onSignal);
		process.once('SIGTERM', onSignal);
		process.once('SIGHUP', onSignal);

		if (checklist) {
			const {renderChecklist} = await checklist;
			// Ctrl-C while the screen loaded: the run stopped before it began, so there is nothing to draw.
			if (!signalled) {
				// A resumed run goes on before its first frame: the screen never starts from how the run had
				// ended (stopped), which is no longer so. A new run starts after it, so the journal is created
				// after the frame is drawn.
				const resuming = priorEvents.length > 0;
				if (resuming) running.start();
				const ui = renderChecklist({
					store: running,
					send: (intent) => running.send(intent),
					role: 'driver',
					operator,
					speed: options.speed,
					logs: sessionLogs(paths.logs),
				});
				firstFrameDrawn();
				if (!resuming) running.start();
				await openPair();
				await ui;
			}
		} else {
			running.onEvent(printEvents(write, options.json));
			await openPair();
			running.start();
		}
		const outcome: RunOutcome = await running.done;
		await cleanup();
		if (!options.json) {
			say(outcomeLine(running.getState(), outcome, sessionDir));
			if (outcome === 'stopped') {
				const again = {file: options.file, target: options.target, rehearsal: Boolean(options.sandbox), speed: options.speed};
				say(`resume with: ${resumeCommand(again, sessionDir, REHEARSAL_SPEED)}`);
			}
			if (exported) say(`release record ${path.relative(process.cwd(), exported.recordPath)}, snapshot ${path.relative(process.cwd(), exported.snapshotDir)}`);
		}
		return outcome === 'completed' ? EXIT.completed : EXIT.failed;
	} catch (error) {
		if (driver && !driver.getState().outcome) await driver.shutdown(`error: ${(error as Error).message}`);
		await cleanup();
		throw error;
	}
};
