import {mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {isoNow} from './clock.js';

// The rehearsal's Fly.io: apps, machines, releases and secrets in one JSON file that the `fly`
// stand-in (a new process per invocation) and the supervisor (inside greenlight) both read and write.

export type MachineState = 'created' | 'starting' | 'started' | 'stopping' | 'stopped' | 'destroyed';
export type CheckStatus = 'passing' | 'warning' | 'critical';

export type FlyMachine = {
	id: string;
	name: string;
	app: string;
	/** "app" serves the API; "replay" answers every request with fly-replay to the green app. */
	processGroup: string;
	image: string;
	release: number;
	state: MachineState;
	region: string;
	/** Cordoned machines get no traffic from the proxy. */
	cordoned: boolean;
	createdAt: string;
	updatedAt: string;
	check?: {status: CheckStatus; output: string; updatedAt: string};
	/** The health check passed at least once since the last start: what a deploy waits for. */
	passedOnce?: boolean;
	/** Why the machine stopped, when it crashed. */
	exit?: string;
	/**
	 * Whether Fly can reach the machine's host; "ok" when absent. A scenario or test sets it: the
	 * machine is then listed with `incomplete_config` instead of `config` (fly-go machine_types.go).
	 */
	hostStatus?: 'ok' | 'unknown' | 'unreachable';
};

/** A health check as fly.toml declares it (`[[http_service.checks]]`, `[[services.http_checks]]`, `[checks.NAME]`). */
export type FlyConfigCheck = {
	type: 'http' | 'tcp';
	port?: number;
	path?: string;
	method?: string;
	interval?: string;
	timeout?: string;
	gracePeriod?: string;
};

/** A service of fly.toml (`[http_service]` or `[[services]]`), reduced to what the sandbox acts on. */
export type FlyConfigService = {
	internalPort: number;
	/** The process groups it serves; empty: the default group. */
	processes: string[];
	checks: FlyConfigCheck[];
	/** The public ports and their handlers, as flyctl turns them into the machine's services. */
	ports: Array<{port: number; handlers: string[]; forceHttps?: boolean}>;
};

/**
 * An app config (fly.toml) as a deploy used it: what the sandbox models of flyctl's appconfig.Config
 * (internal/appconfig/config.go): the app it names, its process groups, services and checks.
 */
export type FlyAppConfig = {
	/** Where flyctl took it from: the file's path, or "release vN" / "machines" for the app's deployed config. */
	source: string;
	/** `app = "…"`; "" when the file names none. */
	app: string;
	primaryRegion: string;
	/** `[processes]`: group → command; empty means the one default group "app". */
	processes: Record<string, string>;
	/** `[build] image`, deployed when `--image` is not given. */
	image?: string;
	services: FlyConfigService[];
	/** Top-level `[checks.NAME]`. */
	checks: Record<string, FlyConfigCheck & {processes: string[]}>;
	env: Record<string, string>;
};

export type FlyRelease = {
	version: number;
	/** As flyctl sets it (deploy/machines_deploymachinesapp.go): running, then complete, failed or interrupted. */
	status: 'running' | 'complete' | 'failed' | 'interrupted';
	description: string;
	imageRef: string;
	strategy: string;
	user: string;
	createdAt: string;
	/** The app config this release deployed (flyctl sends it as the release's definition); absent for seeded releases. */
	config?: FlyAppConfig;
};

export type FlyApp = {
	name: string;
	id: string;
	/** Which colour the sandbox serves this app's machines as. */
	colour: 'blue' | 'green';
	hostname: string;
	releases: FlyRelease[];
	/** Only a digest of each value; `staged` until machines were updated with it (`fly secrets import --stage`). */
	secrets: Record<string, {digest: string; createdAt: string; staged?: boolean}>;
};

/** A GitHub Actions workflow run as the `gh` stand-in keeps it (cli/cli pkg/cmd/run/shared/shared.go Run). */
export type CiRun = {
	databaseId: number;
	workflowDatabaseId: number;
	workflowName: string;
	/** The full 40-character commit SHA: GitHub's head_sha filter matches it exactly. */
	headSha: string;
	headBranch: string;
	event: string;
	displayTitle: string;
	status: 'queued' | 'in_progress' | 'completed' | 'requested' | 'waiting';
	/** "" until the run completed. */
	conclusion: '' | 'success' | 'failure' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required' | 'neutral' | 'stale' | 'startup_failure';
	/** 2 and up after a re-run: GitHub keeps the run and shows its latest attempt. */
	attempt: number;
	number: number;
	createdAt: string;
	startedAt: string;
	updatedAt: string;
};

/**
 * The rehearsal's GitHub Actions, read by the `gh` stand-in. Without runs for a commit, the first
 * `gh run list --commit <full sha>` records one run per required workflow, concluded as `outcomes`
 * says (default success); a scenario or test tells it a workflow failed through `outcomes` or `runs`.
 */
export type CiState = {
	runs: CiRun[];
	/** Per workflow, the conclusions of its runs on a new commit, oldest first: ["success", "failure"] is a later run that failed. */
	outcomes?: Record<string, CiRun['conclusion'][]>;
};

/** Who may use the rehearsal's Fly: the one token it accepts (a macaroon like `fly tokens create` gives) and whose it is. */
export type FlyAuth = {token: string; email: string};

export type FlyState = {
	org: string;
	apps: Record<string, FlyApp>;
	machines: FlyMachine[];
	nextId: number;
	ci?: CiState;
	/** Absent in states written before the stand-in checked tokens: then every caller is let in. */
	auth?: FlyAuth;
};

/** Environment the sandbox gives the stand-ins: where the state lives, which fault is rehearsed. */
export const STATE_ENV = 'GREENLIGHT_SANDBOX_STATE';
export const SCENARIO_ENV = 'GREENLIGHT_SANDBOX_SCENARIO';

const LOCK_STALE_MS = 5_000;
const LOCK_WAIT_MS = 10_000;

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

export const readState = (file: string): FlyState => JSON.parse(readFileSync(file, 'utf8')) as FlyState;

export const writeStateAtomically = (file: string, state: FlyState) => {
	const temporary = `${file}.${process.pid}.tmp`;
	writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
	renameSync(temporary, file);
};

/** Serialises read-modify-write across processes with a lock directory (mkdir is atomic). */
export const updateState = <T>(file: string, change: (state: FlyState) => T): T => {
	const lock = `${file}.lock`;
	const started = Date.now();
	while (true) {
		try {
			mkdirSync(lock);
			break;
		} catch (error) {
			// Only a lock held by someone else is worth waiting for; a missing folder is not.
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
			// A lock left by a killed process must not block the rehearsal for ever.
			try {
				if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) rmSync(lock, {recursive: true, force: true});
			} catch {}
			if (Date.now() - started > LOCK_WAIT_MS) throw new Error(`the sandbox state ${file} stayed locked for ${LOCK_WAIT_MS / 1000}s`);
			sleepSync(5);
		}
	}
	try {
		const state = readState(file);
		const result = change(state);
		writeStateAtomically(file, state);
		return result;
	} finally {
		rmSync(lock, {recursive: true, force: true});
	}
};


/** Machine ids look like Fly's: 14 hex digits. */
const newMachineId = (state: FlyState): string => {
	state.nextId += 1;
	return (0x3d8d_0000_0000_00 + state.nextId * 7_919).toString(16).padStart(14, '0').slice(-14);
};

const adjectives = ['quiet', 'bold', 'young', 'sparkling', 'patient', 'royal', 'misty', 'polished', 'little', 'wild'];
const nouns = ['river', 'forest', 'meadow', 'thunder', 'sun', 'breeze', 'snowflake', 'paper', 'frog', 'dawn'];

const machineName = (seed: number): string =>
	`${adjectives[seed % adjectives.length]}-${nouns[Math.floor(seed / adjectives.length) % nouns.length]}-${1000 + seed}`;

export type NewMachine = Pick<FlyMachine, 'app' | 'processGroup' | 'image' | 'release' | 'state'> & {cordoned?: boolean};

/** The one place a machine is made: a Fly-like id and name, in region fra, added to the state; `now` stamps it. */
export const addMachine = (state: FlyState, machine: NewMachine, now: string = isoNow()): FlyMachine => {
	const added: FlyMachine = {
		id: newMachineId(state),
		name: machineName(state.nextId),
		app: machine.app,
		processGroup: machine.processGroup,
		image: machine.image,
		release: machine.release,
		state: machine.state,
		region: 'fra',
		cordoned: machine.cordoned ?? false,
		createdAt: now,
		updatedAt: now,
	};
	state.machines.push(added);
	return added;
};

export const liveMachines = (state: FlyState, app: string): FlyMachine[] =>
	state.machines.filter((machine) => machine.app === app && machine.state !== 'destroyed');

export const inService = (machine: FlyMachine): boolean =>
	machine.state === 'started' && !machine.cordoned && machine.check?.status !== 'critical';

export const currentImage = (app: FlyApp): string | undefined =>
	app.releases.filter((release) => release.status === 'complete').at(-1)?.imageRef;

export const sandboxDirOf = (sessionDir: string): string => path.join(sessionDir, 'sandbox');

/** The supervisor touches this file while it runs; a stand-in waiting for machines gives up when it goes stale. */
export const heartbeatFileOf = (stateFile: string): string => `${stateFile}.heartbeat`;

export const supervisorAlive = (stateFile: string, staleMs = 3_000): boolean => {
	try {
		return Date.now() - statSync(heartbeatFileOf(stateFile)).mtimeMs < staleMs;
	} catch {
		return false;
	}
};
