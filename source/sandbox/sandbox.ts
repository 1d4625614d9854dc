import {chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {connect} from 'node:net';
import path from 'node:path';
import {Registry} from 'prom-client';
import {cliEntry, packageRoot} from '../adapters/package-root.js';
import {isProcessRunning} from '../adapters/process-tree.js';
import {sessionPaths} from '../adapters/session-folder.js';
import {createApiMetrics} from './api-metrics.js';
import {flyProxyMetrics} from './fly-proxy-metrics.js';
import {SANDBOX_CONFIG_FILES} from './fly/app-config.js';
import {newSandboxAuth, sandboxTokenOf} from './fly/auth.js';
import {isoNow, isoSeconds} from './clock.js';
import {
	addMachine,
	heartbeatFileOf,
	inService,
	liveMachines,
	SCENARIO_ENV,
	STATE_ENV,
	supervisorAlive,
	updateState,
	writeStateAtomically,
	type FlyMachine,
	type FlyState,
} from './fly-state.js';
import {startLoad, type LoadGenerator} from './load-generator.js';
import {describeLoad, sandboxRps} from './load-rate.js';
import {startMetricsEndpoint, type MetricsEndpoint} from './metrics-endpoint.js';
import {startProxyRouter, type ProxyRouter} from './proxy-router.js';
import {isScenario, scenarios} from './scenarios.js';
import {startSupervisor, type Supervisor} from './supervisor.js';

export type SandboxOptions = {
	sessionDir: string;
	scenario?: string;
	/**
	 * A folder that keeps the rehearsal's Fly (apps, machines, releases, cordons) across rehearsals:
	 * the next rehearsal with the same world starts where the last one left it. Default: the session's own.
	 */
	world?: string;
	/** The rehearsal's speed: the sandbox's traffic is compressed as its time is. */
	speed: number;
	log?: (line: string) => void;
};
export type Sandbox = {
	/** PATH with the bin dir holding fly, flyctl, gh and greenlight first, where the stand-in keeps its state, and FLY_API_TOKEN: the one token it accepts. */
	env: Record<string, string>;
	/** Runtime values for the rehearsal target: URLs with the ports chosen at start. */
	variables: Record<string, string>;
	/** One line for the screen. */
	describe: () => string;
	/** Idempotent; stops everything it started. */
	stop: () => Promise<void>;
};

export const SANDBOX_APPS = {blue: 'lokaltreu-api', green: 'lokaltreu-api-green'} as const;
export const BLUE_IMAGE = 'registry.fly.io/lokaltreu-api:2.3.1';
const BLUE_MACHINES = 4;
const REPLAY_MACHINES = 4;

const repoRoot = packageRoot();
export const sandboxPaths = {
	flyStandIn: path.join(repoRoot, 'dist', 'sandbox', 'fly-stand-in.js'),
	ghStandIn: path.join(repoRoot, 'dist', 'sandbox', 'gh-stand-in.js'),
	cli: cliEntry(),
	openapi: path.join(repoRoot, 'source', 'sandbox', 'api.openapi.yaml'),
};

type SandboxRecord = {pid: number; startedAt: string; ports: number[]; scenario?: string; world?: string; stoppedAt?: string; cleanedUp?: string};

const recordFileOf = (sandboxDir: string) => path.join(sandboxDir, 'sandbox.json');

const writeShim = (file: string, script: string) => {
	// exec keeps one process, so killing the step's process group ends the stand-in too.
	writeFileSync(file, `#!/bin/sh\nexec "${process.execPath}" "${script}" "$@"\n`);
	chmodSync(file, 0o755);
};

/** Blue in production: four API machines taking traffic and four cordoned replay machines; green empty. */
const seedState = (): FlyState => {
	const state: FlyState = {
		org: 'lokaltreu',
		auth: newSandboxAuth(),
		nextId: 0,
		machines: [],
		apps: {
			[SANDBOX_APPS.blue]: {
				name: SANDBOX_APPS.blue,
				id: 'app_blue',
				colour: 'blue',
				hostname: `${SANDBOX_APPS.blue}.fly.dev`,
				releases: ['2.2.0', '2.3.0', '2.3.1'].map((version, index) => ({
					version: 39 + index,
					status: 'complete' as const,
					description: `Deploy image registry.fly.io/lokaltreu-api:${version}`,
					imageRef: `registry.fly.io/lokaltreu-api:${version}`,
					strategy: 'ROLLING',
					user: 'operator@lokaltreu.de',
					createdAt: isoSeconds(new Date(Date.now() - (3 - index) * 7 * 86_400_000)),
				})),
				secrets: {
					DATABASE_URL: {digest: 'a41c0e7d19f2b3c8', createdAt: '2025-01-10T09:00:00Z'},
					JWKS_URL: {digest: '5be0d3a9c1f47e62', createdAt: '2025-01-10T09:00:00Z'},
				},
			},
			[SANDBOX_APPS.green]: {
				name: SANDBOX_APPS.green,
				id: 'app_green',
				colour: 'green',
				hostname: `${SANDBOX_APPS.green}.fly.dev`,
				releases: [],
				secrets: {},
			},
		},
	};
	const now = isoNow();
	const blue = (processGroup: string, cordoned: boolean) =>
		addMachine(state, {app: SANDBOX_APPS.blue, processGroup, image: BLUE_IMAGE, release: 41, state: 'starting', cordoned}, now);
	for (let index = 0; index < BLUE_MACHINES; index += 1) blue('app', false);
	for (let index = 0; index < REPLAY_MACHINES; index += 1) blue('replay', true);
	return state;
};

/** What an earlier sandbox of this session recorded: its scenario and world, if any. */
const previousRecord = (sandboxDir: string): SandboxRecord | undefined => {
	try {
		return JSON.parse(readFileSync(recordFileOf(sandboxDir), 'utf8')) as SandboxRecord;
	} catch {
		return undefined;
	}
};

/** Where the fly state lives: in the world folder when there is one, else in the session's sandbox folder. */
const stateFileOf = (sandboxDir: string, world: string | undefined) => path.join(world ?? sandboxDir, 'fly-state.json');

export const startSandbox = async (options: SandboxOptions): Promise<Sandbox> => {
	const log = options.log ?? (() => {});
	const sandboxDir = sessionPaths(options.sessionDir).sandbox;
	// A resumed rehearsal goes on in the world it left, as a real release finds Fly as it left it:
	// the same machines, releases and cordons, and the same rehearsed fault.
	const earlierRecord = previousRecord(sandboxDir);
	const resuming = earlierRecord !== undefined || existsSync(stateFileOf(sandboxDir, undefined));
	const requestedWorld = options.world === undefined ? undefined : path.resolve(options.world);
	if (resuming && requestedWorld !== earlierRecord?.world) {
		throw new Error(
			earlierRecord?.world
				? `this session rehearsed in the world ${earlierRecord.world}; resume it with that --world or without one`
				: `this session rehearsed in a world of its own; resume it without --world, or start a new session`,
		);
	}
	const world = requestedWorld ?? earlierRecord?.world;
	const stateFile = stateFileOf(sandboxDir, world);
	if (world !== undefined && supervisorAlive(stateFile)) {
		throw new Error(`the world ${world} is in use: another rehearsal's sandbox runs in it`);
	}
	const earlier = resuming ? earlierRecord?.scenario : undefined;
	if (resuming && options.scenario !== undefined && earlier !== options.scenario) {
		throw new Error(`this session rehearsed ${earlier ? `scenario ${earlier}` : 'no fault'}; resume it without --scenario, or start a new session`);
	}
	const scenario = options.scenario ?? earlier;
	if (scenario !== undefined && !isScenario(scenario)) {
		throw new Error(`unknown scenario "${scenario}"; known: ${scenarios.map((entry) => entry.name).join(', ')}`);
	}
	for (const script of [sandboxPaths.flyStandIn, sandboxPaths.ghStandIn]) {
		if (!existsSync(script)) throw new Error(`${script} is missing: run "npm run build" first`);
	}
	const binDir = path.join(sandboxDir, 'bin');
	mkdirSync(binDir, {recursive: true});
	if (world !== undefined) mkdirSync(world, {recursive: true, mode: 0o700});
	writeShim(path.join(binDir, 'fly'), sandboxPaths.flyStandIn);
	writeShim(path.join(binDir, 'flyctl'), sandboxPaths.flyStandIn);
	writeShim(path.join(binDir, 'gh'), sandboxPaths.ghStandIn);
	writeShim(path.join(binDir, 'greenlight'), sandboxPaths.cli);
	// A new world (a session's own, or a --world folder used for the first time) starts as production does.
	if (!existsSync(stateFile)) writeStateAtomically(stateFile, seedState());
	// The token the stand-in accepts; a session from before it checked tokens gets one now.
	const auth = updateState(stateFile, (state) => (state.auth ??= newSandboxAuth()));

	const record: SandboxRecord = {pid: process.pid, startedAt: isoNow(), ports: [], scenario, ...(world === undefined ? {} : {world})};
	const saveRecord = () => writeFileSync(recordFileOf(sandboxDir), `${JSON.stringify(record, null, 2)}\n`);
	saveRecord();

	const metrics = {blue: createApiMetrics('blue'), green: createApiMetrics('green')};
	const proxyRegistry = new Registry();
	const flyRegistry = new Registry();
	const fly = flyProxyMetrics(flyRegistry);
	let supervisor: Supervisor | undefined;
	const routers: ProxyRouter[] = [];
	let endpoint: MetricsEndpoint | undefined;
	let load: LoadGenerator | undefined;
	let stopping: Promise<void> | undefined;

	const stop = () => {
		stopping ??= (async () => {
			load?.stop();
			await Promise.all(routers.map((router) => router.close()));
			await endpoint?.close();
			await supervisor?.stop();
			record.stoppedAt = isoNow();
			saveRecord();
			rmSync(heartbeatFileOf(stateFile), {force: true});
			log('sandbox stopped');
		})();
		return stopping;
	};

	try {
		supervisor = startSupervisor({stateFile, publicApp: SANDBOX_APPS.blue, scenario, metrics, log});
		await supervisor.settled(15_000);
		const running = supervisor;
		const backends = (app: string) => running.backends(app);
		const inFlight = new Map<string, number>();
		routers.push(await startProxyRouter({app: SANDBOX_APPS.blue, backends, inFlight, registry: proxyRegistry, fly, router: 'public'}));
		routers.push(await startProxyRouter({app: SANDBOX_APPS.green, backends, inFlight, registry: proxyRegistry, fly, router: 'green'}));
		endpoint = await startMetricsEndpoint({
			registries: {blue: metrics.blue.registry, green: metrics.green.registry, proxy: proxyRegistry, fly: flyRegistry},
			broken: scenario === 'metrics-outage' ? new Set(['blue', 'green', 'fly']) : undefined,
		});
		const [publicRouter, greenRouter] = routers as [ProxyRouter, ProxyRouter];
		record.ports = [publicRouter.port, greenRouter.port, endpoint.port];
		saveRecord();
		const publicUrl = `http://127.0.0.1:${publicRouter.port}`;
		const greenUrl = `http://127.0.0.1:${greenRouter.port}`;
		load = startLoad([{url: publicUrl, rps: sandboxRps(options.speed)}]);

		const env: Record<string, string> = {
			PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}`,
			[STATE_ENV]: stateFile,
			// The rehearsal's own token, never the operator's: a real FLY_API_TOKEN in the shell stays out of it.
			FLY_API_TOKEN: sandboxTokenOf(auth),
			...(scenario ? {[SCENARIO_ENV]: scenario} : {}),
		};
		const variables: Record<string, string> = {
			app: SANDBOX_APPS.blue,
			greenApp: SANDBOX_APPS.green,
			// Each app's own fly.toml: fly deploy --config never lets one app take the other's config.
			blueConfig: SANDBOX_CONFIG_FILES.blue,
			greenConfig: SANDBOX_CONFIG_FILES.green,
			publicUrl,
			greenUrl,
			sandboxMetricsUrl: `http://127.0.0.1:${endpoint.port}`,
			openapi: sandboxPaths.openapi,
			greenSecrets: 'DATABASE_URL=postgres://api:rehearsal@127.0.0.1:5432/lokaltreu\nJWKS_URL=https://auth.lokaltreu.de/.well-known/jwks.json\nSENTRY_DSN=https://rehearsal@sentry.invalid/1\n',
		};
		const describe = () => {
			const state = running.state();
			const blue = liveMachines(state, SANDBOX_APPS.blue);
			const count = (machines: FlyMachine[]) => machines.filter(inService).length;
			const green = liveMachines(state, SANDBOX_APPS.green);
			return `sandbox: router :${publicRouter.port}, blue ${count(blue.filter((machine) => machine.processGroup === 'app'))} machines, replay→green ${count(blue.filter((machine) => machine.processGroup === 'replay'))}, green ${count(green)} (:${greenRouter.port}), load ${describeLoad(options.speed)} on the public hostname${scenario ? `, scenario ${scenario}` : ''}${world ? `, world ${world}` : ''}`;
		};
		log(describe());
		return {env, variables, describe, stop};
	} catch (error) {
		await stop();
		throw error;
	}
};

const portListening = (port: number): Promise<boolean> =>
	new Promise((resolve) => {
		const socket = connect({host: '127.0.0.1', port});
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
	});

/** Proof that a pid is still our stand-in and not a stranger that got the number. */
const isStandIn = (pid: number): boolean => {
	try {
		return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('stand-in');
	} catch {
		return isProcessRunning(pid);
	}
};

/**
 * After a kill -9 a sandbox's record stays behind: its owner is dead, stand-ins it was running
 * may still wait. Kills those, checks its ports are free and marks the record cleaned.
 */
export const cleanupStaleSandboxes = async (sessionsRoot: string): Promise<string[]> => {
	if (!existsSync(sessionsRoot)) return [];
	const cleaned: string[] = [];
	for (const session of readdirSync(sessionsRoot)) {
		const sandboxDir = sessionPaths(path.join(sessionsRoot, session)).sandbox;
		const recordFile = recordFileOf(sandboxDir);
		let record: SandboxRecord;
		try {
			record = JSON.parse(readFileSync(recordFile, 'utf8')) as SandboxRecord;
		} catch {
			continue;
		}
		if (record.stoppedAt || isProcessRunning(record.pid)) continue;
		const killed: number[] = [];
		// The stand-ins keep their pids beside the state: in the world folder when the sandbox had one.
		const stateDir = record.world ?? sandboxDir;
		const pidsDir = path.join(stateDir, 'pids');
		for (const name of existsSync(pidsDir) ? readdirSync(pidsDir) : []) {
			const pid = Number(name);
			if (Number.isInteger(pid) && isProcessRunning(pid) && isStandIn(pid)) {
				try {
					process.kill(pid, 'SIGKILL');
					killed.push(pid);
				} catch {}
			}
			rmSync(path.join(pidsDir, name), {force: true});
		}
		const busy: number[] = [];
		for (const port of record.ports) if (await portListening(port)) busy.push(port);
		rmSync(heartbeatFileOf(stateFileOf(sandboxDir, record.world)), {force: true});
		record.stoppedAt = isoNow();
		record.cleanedUp = `owner pid ${record.pid} was gone`;
		writeFileSync(recordFile, `${JSON.stringify(record, null, 2)}\n`);
		const parts = [`sandbox of session ${session} (pid ${record.pid}, gone)`];
		parts.push(killed.length > 0 ? `killed stand-ins ${killed.join(', ')}` : 'no stand-in left running');
		parts.push(busy.length > 0 ? `ports ${busy.join(', ')} are in use by another process now` : `ports ${record.ports.join(', ') || 'none'} free`);
		cleaned.push(parts.join('; '));
	}
	return cleaned;
};
