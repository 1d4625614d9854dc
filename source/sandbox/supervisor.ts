import {request as httpRequest} from 'node:http';
import {writeFileSync} from 'node:fs';
import type {ApiMetrics} from './api-metrics.js';
import {startApiMachine, type ApiMachine} from './api-server.js';
import {isoNow} from './clock.js';
import {heartbeatFileOf, inService, readState, updateState, type CheckStatus, type FlyMachine, type FlyState} from './fly-state.js';
import type {Backend} from './proxy-router.js';
import type {ScenarioName} from './scenarios.js';

// Keeps real servers in line with the state file the `fly` stand-in writes: a machine set to
// "starting" gets a server (or crashes, under deploy-fails), a destroyed one loses it; health
// checks probe every machine and write their verdict back, as Fly's checks do.

const TICK_MS = 100;
const PROBE_MS = 200;
// Two seconds of probes: a check that flapped within them is critical, as Fly reports a flapping check.
const CHECK_WINDOW = 10;

export type SupervisorOptions = {
	stateFile: string;
	publicApp: string;
	scenario?: ScenarioName;
	metrics: {blue: ApiMetrics; green: ApiMetrics};
	log: (line: string) => void;
};

export type Supervisor = {
	backends: (app: string) => Backend[];
	state: () => FlyState;
	/** Resolves once every machine that should run does (or crashed). */
	settled: (timeoutMs: number) => Promise<void>;
	stop: () => Promise<void>;
};

type Running = {machine: ApiMachine; image: string; colour: 'blue' | 'green'; probes: boolean[]; silent: number};

/** A probe's answer: 200, anything else (or a refused connection), or no answer within the timeout. */
type ProbeResult = 'passing' | 'failing' | 'silent';

// A machine that does not answer for this many probes in a row is failing. Fewer are the host's
// noise, not the machine's: on a loaded 2-core host one probe can wait seconds for a time slice, and
// a rehearsal must not report a health check that real Fly would not.
const SILENT_PROBES_FAILING = 3;

const probe = (port: number): Promise<ProbeResult> =>
	new Promise((resolve) => {
		const outgoing = httpRequest({host: '127.0.0.1', port, path: '/health', timeout: 5_000}, (response) => {
			response.resume();
			resolve(response.statusCode === 200 ? 'passing' : 'failing');
		});
		outgoing.on('timeout', () => {
			outgoing.destroy();
			resolve('silent');
		});
		outgoing.on('error', () => resolve('failing'));
		outgoing.end();
	});

const versionOf = (image: string) => image.split(':').at(-1) ?? image;

/** Round trip from Fly's edge in fra to the worker a machine runs on: every machine on one worker, as a rule. */
const WORKER_RTT_MS = 1;
/** Under skewed-share blue's replay machines run on a worker in a datacenter nearer the edge. */
const NEAR_WORKER_RTT_MS = 0.3;

export const startSupervisor = (options: SupervisorOptions): Supervisor => {
	const running = new Map<string, Running>();
	const starting = new Set<string>();
	const inflight = new Set<Promise<void>>();
	let state = readState(options.stateFile);
	let stopped = false;

	const greenCarriesTraffic = () =>
		state.machines.some((machine) => machine.app === options.publicApp && machine.processGroup === 'replay' && inService(machine));

	// By app, and right across releases in one world: the edge app stays blue (what serves production
	// when a rehearsal starts, promoted to the new image after the switch), the other app is always
	// the idle one a release deploys into, so green, with the rehearsed fault, whatever image it runs.
	const colourOf = (machine: FlyMachine): 'blue' | 'green' => state.apps[machine.app]?.colour ?? 'blue';

	const rttOf = (machine: FlyMachine): number =>
		options.scenario === 'skewed-share' && machine.processGroup === 'replay' ? NEAR_WORKER_RTT_MS : WORKER_RTT_MS;

	const setMachine = (id: string, change: (machine: FlyMachine) => void) => {
		if (stopped) return;
		updateState(options.stateFile, (fresh) => {
			const machine = fresh.machines.find((entry) => entry.id === id);
			if (machine) change(machine);
			state = structuredClone(fresh);
		});
	};

	const start = async (machine: FlyMachine) => {
		starting.add(machine.id);
		const colour = colourOf(machine);
		try {
			const previous = running.get(machine.id);
			if (previous) {
				running.delete(machine.id);
				await previous.machine.close();
			}
			if (colour === 'green' && options.scenario === 'deploy-fails') {
				await new Promise((resolve) => setTimeout(resolve, 300));
				options.log(`machine ${machine.id} (${machine.app}) exited with code 1`);
				setMachine(machine.id, (entry) => {
					entry.state = 'stopped';
					entry.exit = 'the process exited with code 1: Error: DATABASE_URL points to a schema without column "points_v2" (migration 0042 not applied)';
					entry.check = {status: 'critical', output: 'process exited', updatedAt: isoNow()};
					entry.updatedAt = isoNow();
				});
				return;
			}
			const replayTo = machine.processGroup === 'replay' ? Object.values(state.apps).find((app) => app.colour === 'green')?.name : undefined;
			const server = await startApiMachine({
				machineId: machine.id,
				colour,
				version: versionOf(machine.image),
				replayTo,
				scenario: options.scenario,
				metrics: options.metrics[colour],
				carriesTraffic: greenCarriesTraffic,
			});
			if (stopped) return void (await server.close());
			// A grace period, as Fly's checks have: a machine counts as healthy once one of a few probes passes.
			let healthy = false;
			for (let attempt = 0; attempt < 5 && !healthy; attempt += 1) {
				healthy = (await probe(server.port)) === 'passing';
				if (!healthy) await new Promise((resolve) => setTimeout(resolve, 150));
			}
			if (stopped) return void (await server.close());
			// Failures in the grace period do not count against the check, as on Fly; the regular probes judge from here.
			running.set(machine.id, {machine: server, image: machine.image, colour, probes: healthy ? [true] : [], silent: 0});
			setMachine(machine.id, (entry) => {
				if (entry.state !== 'starting' && entry.state !== 'created') return;
				entry.state = 'started';
				entry.passedOnce = healthy;
				entry.check = healthy
					? {status: 'passing', output: 'HTTP GET /health: 200 OK', updatedAt: isoNow()}
					: {status: 'critical', output: 'HTTP GET /health: 503 Service Unavailable', updatedAt: isoNow()};
				entry.updatedAt = isoNow();
			});
			options.log(`machine ${machine.id} (${machine.app}, ${machine.processGroup}) started on :${server.port}`);
		} finally {
			starting.delete(machine.id);
		}
	};

	const reconcile = async () => {
		if (stopped) return;
		try {
			state = readState(options.stateFile);
		} catch {
			return; // Mid-write or gone: the next tick reads it again.
		}
		for (const machine of state.machines) {
			if (starting.has(machine.id)) continue;
			const current = running.get(machine.id);
			if (machine.state === 'destroyed' || machine.state === 'stopped') {
				if (current) {
					running.delete(machine.id);
					await current.machine.close();
					options.log(`machine ${machine.id} (${machine.app}) stopped`);
				}
				continue;
			}
			if (machine.state === 'starting' || machine.state === 'created' || !current || current.image !== machine.image) {
				const started = start(machine).catch((error: unknown) => options.log(`machine ${machine.id} failed to start: ${(error as Error).message}`));
				inflight.add(started);
				void started.finally(() => inflight.delete(started));
			}
		}
	};

	const probeAll = async () => {
		await Promise.all(
			[...running].map(async ([id, entry]) => {
				const result = await probe(entry.machine.port);
				entry.silent = result === 'silent' ? entry.silent + 1 : 0;
				if (result === 'silent' && entry.silent < SILENT_PROBES_FAILING) return;
				entry.probes = [...entry.probes, result === 'passing'].slice(-CHECK_WINDOW);
				const failures = entry.probes.filter((ok) => !ok).length;
				const status: CheckStatus = failures === 0 ? 'passing' : 'critical';
				const known = state.machines.find((machine) => machine.id === id);
				if (!known || known.state !== 'started' || known.check?.status === status) return;
				setMachine(id, (machine) => {
					machine.check = {
						status,
						output: failures === 0 ? 'HTTP GET /health: 200 OK' : `HTTP GET /health: ${failures} of the last ${entry.probes.length} checks failed (503)`,
						updatedAt: isoNow(),
					};
				});
			}),
		);
	};

	const heartbeat = () => {
		try {
			writeFileSync(heartbeatFileOf(options.stateFile), `${process.pid}\n`);
		} catch {
			// The session folder went away; stop() follows.
		}
	};
	heartbeat();
	let reconciled: Promise<void> | undefined;
	const tick = setInterval(() => {
		heartbeat();
		reconciled ??= reconcile().finally(() => {
			reconciled = undefined;
		});
	}, TICK_MS);
	let probing: Promise<void> | undefined;
	const prober = setInterval(() => {
		probing ??= probeAll().finally(() => {
			probing = undefined;
		});
	}, PROBE_MS);
	reconciled = reconcile().finally(() => {
		reconciled = undefined;
	});

	return {
		backends: (app) =>
			state.machines
				.filter((machine) => machine.app === app && inService(machine))
				.flatMap((machine) => {
					const entry = running.get(machine.id);
					return entry ? [{machineId: machine.id, port: entry.machine.port, colour: entry.colour, rttMs: rttOf(machine)}] : [];
				}),
		state: () => state,
		settled: async (timeoutMs) => {
			const deadline = Date.now() + timeoutMs;
			while (Date.now() < deadline) {
				const waiting = state.machines.some((machine) => machine.state === 'starting' || machine.state === 'created');
				if (!waiting && starting.size === 0) return;
				await new Promise((resolve) => setTimeout(resolve, 50));
			}
			throw new Error(`sandbox machines did not start within ${timeoutMs / 1000}s`);
		},
		stop: async () => {
			stopped = true;
			clearInterval(tick);
			clearInterval(prober);
			await Promise.allSettled([reconciled, probing, ...inflight]);
			const all = [...running.values()];
			running.clear();
			await Promise.all(all.map((entry) => entry.machine.close()));
		},
	};
};
