// What the live checklist costs while a person waits, measured as they would see it: greenlight in
// a real pseudo-terminal (a private tmux server, 100×30), its CPU time read from /proc/PID/stat
// over a stretch of waiting, and keys answered on the screen tmux shows. Figures, no verdicts: the
// targets (≤ 1 % of a core at a manual step, ≤ 3 % for a watch of four metrics, ≤ 33 ms from key
// to screen) are for the person reading them. Linux only (/proc). Its rows in the table: `npm run bench`.
import {execFile, execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {setTimeout as sleep} from 'node:timers/promises';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {promisify} from 'node:util';
import {Counter, Histogram, Registry, collectDefaultMetrics} from 'prom-client';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const SIZE = {columns: 100, rows: 30};
/**
 * How long CPU time is counted. The first seconds after the marker are left out: start-up, and the
 * spinner a fresh step shows for its first seconds; what is measured is the long wait after them.
 */
const DEFAULT_SECONDS = 20;
const SETTLE_MS = 5000;

/** `nodeArgs`: flags for the greenlight process, e.g. `--cpu-prof` to see where its time goes. */
export type MeasureOptions = {seconds?: number; nodeArgs?: readonly string[]};

export type CpuFigure = {
	/** CPU time of the greenlight process (user + system) over the wall time, in % of one core. */
	percentOfCore: number;
	/** The part of it spent in the kernel (writes, fsync, sockets). */
	systemPercent: number;
	seconds: number;
};

export type LatencyFigure = {
	medianMs: number;
	p90Ms: number;
	maxMs: number;
	presses: number;
};

const execFileAsync = promisify(execFile);

/** A detached terminal on its own tmux server, running one command as its only process. */
type Pane = {
	pid: number;
	screen(): string;
	screenAsync(): Promise<string>;
	send(...keys: string[]): void;
	waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
	close(): Promise<void>;
};

const openPane = (argv: string[], cwd: string): Pane => {
	const socket = `gl-bench-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
	const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], {encoding: 'utf8'});
	const quoted = argv.map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
	// `exec`: the pane's process is greenlight itself, so its pid is the one to watch.
	tmux('new-session', '-d', '-s', 'bench', '-x', String(SIZE.columns), '-y', String(SIZE.rows), '-c', cwd, `exec ${quoted}`);
	tmux('set-option', '-t', 'bench', 'status', 'off');
	tmux('set-option', '-t', 'bench', 'remain-on-exit', 'on');
	const pid = Number(tmux('display-message', '-p', '-t', 'bench', '#{pane_pid}').trim());
	const screen = () => tmux('capture-pane', '-p', '-t', 'bench');
	return {
		pid,
		screen,
		screenAsync: async () =>
			(await execFileAsync('tmux', ['-L', socket, '-f', '/dev/null', 'capture-pane', '-p', '-t', 'bench'], {encoding: 'utf8'})).stdout,
		send: (...keys) => void tmux('send-keys', '-t', 'bench', ...keys),
		async waitFor(pattern, timeoutMs = 30_000) {
			const deadline = Date.now() + timeoutMs;
			let last = '';
			while (Date.now() < deadline) {
				last = screen();
				if (pattern.test(last)) return last;
				await sleep(50);
			}
			throw new Error(`timed out waiting for ${String(pattern)}; the screen shows:\n${last}`);
		},
		async close() {
			// Quit as a person would (q, then y; Ctrl-C without the screen), so greenlight ends its run
			// and writes what it writes on exit (a --cpu-prof profile among them).
			const dead = () => tmux('display-message', '-p', '-t', 'bench', '#{pane_dead}').trim() === '1';
			const waitDead = async (ms: number) => {
				const deadline = Date.now() + ms;
				while (Date.now() < deadline && !dead()) await sleep(100);
			};
			try {
				tmux('send-keys', '-t', 'bench', 'q');
				await sleep(100);
				tmux('send-keys', '-t', 'bench', 'y');
				await waitDead(3000);
				if (!dead()) tmux('send-keys', '-t', 'bench', 'C-c');
				await waitDead(10_000);
				tmux('kill-server');
			} catch {
				// already gone
			}
		},
	};
};

const clockTicks = (): number => {
	try {
		return Number(execFileSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).trim()) || 100;
	} catch {
		return 100;
	}
};

/** User and system time of a process so far, in clock ticks (fields 14 and 15 of /proc/PID/stat). */
const cpuTicks = (pid: number): {user: number; system: number} => {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	// The command name (field 2) may hold spaces: count fields after its closing parenthesis.
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return {user: Number(fields[11]), system: Number(fields[12])};
};

const cpuOver = async (pid: number, seconds: number): Promise<CpuFigure> => {
	const ticks = clockTicks();
	const before = cpuTicks(pid);
	const start = performance.now();
	await sleep(seconds * 1000);
	const after = cpuTicks(pid);
	const wall = (performance.now() - start) / 1000;
	const percent = (used: number) => Math.round((used / ticks / wall) * 1000) / 10;
	return {
		percentOfCore: percent(after.user - before.user + after.system - before.system),
		systemPercent: percent(after.system - before.system),
		seconds: Math.round(wall * 10) / 10,
	};
};

/** A session folder and a runbook in a fresh directory; removed by `done`. */
const workspace = (runbook: unknown, nodeArgs: readonly string[] = [], runArgs: readonly string[] = []) => {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'gl-idle-'));
	const file = path.join(dir, 'runbook.json');
	writeFileSync(file, JSON.stringify(runbook, null, '\t'));
	const argv = [process.execPath, ...nodeArgs, CLI, 'run', file, '--session', path.join(dir, 'session'), '--operator', 'bench', ...runArgs];
	return {dir, argv, done: () => rmSync(dir, {recursive: true, force: true})};
};

/** A release waiting for a person: one check done, then a manual step nobody has ticked yet. */
const manualRunbook = {
	title: 'Idle at a manual step',
	phases: [
		{
			id: 'prepare',
			title: 'Vorbereitung',
			steps: [
				{id: 'hello', title: 'Say hello', kind: 'command', run: [process.execPath, '-e', "console.log('hello')"]},
				{id: 'oncall', title: 'On-Call-Team informiert', kind: 'manual'},
			],
		},
		{id: 'ship', title: 'Ship', steps: [{id: 'done', title: 'Done', kind: 'manual'}]},
	],
};

/** p50, p95, p99 and the 5xx share of green against blue, as the rollout's smoke watch reads them. */
const watchRunbook = (url: string) => {
	const source = (colour: string, extra: Record<string, unknown>) => ({type: 'scrape', url: `${url}/${colour}`, window: '1m', counts: 'requests', ...extra});
	const latency = (quantile: number) => ({metric: 'http_request_duration_seconds', aggregate: 'quantile', quantile, scale: 1000});
	const errors = {metric: 'http_responses_total', aggregate: 'ratio', ratioOf: {labels: {status_class: '5xx'}}, scale: 100};
	const metric = (title: string, unit: string, extra: Record<string, unknown>) => ({title, unit, green: source('green', extra), blue: source('blue', extra)});
	return {
		title: 'Watch four metrics',
		metrics: {
			p50: metric('p50 Latenz', 'ms', latency(0.5)),
			p95: metric('p95 Latenz', 'ms', latency(0.95)),
			p99: metric('p99 Latenz', 'ms', latency(0.99)),
			errors: metric('Fehler-Rate', '%', errors),
		},
		phases: [
			{
				id: 'smoke',
				title: 'Smoke-Tests & Health-Checks',
				steps: [
					{
						id: 'observe',
						title: 'p50/p95/p99, Fehler-Rate beobachten',
						kind: 'watch',
						duration: '30m',
						interval: '1s',
						gates: [
							{metric: 'p50', max: 200},
							{metric: 'p95', max: 300},
							{metric: 'p99', max: 500},
							{metric: 'errors', max: 2},
						],
					},
				],
			},
		],
	};
};

/**
 * What an API's /metrics answers per colour: the process metrics every client library exports, and
 * request durations and responses by machine, route and status, with traffic added at each scrape.
 */
const startExporter = async (): Promise<{url: string; scrapes: () => number; close: () => Promise<void>}> => {
	let scrapes = 0;
	const registries = Object.fromEntries(
		(['green', 'blue'] as const).map((colour) => {
			const registry = new Registry();
			collectDefaultMetrics({register: registry});
			const duration = new Histogram({
				name: 'http_request_duration_seconds',
				help: 'Request duration.',
				labelNames: ['instance', 'method', 'route', 'status'],
				buckets: [0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.045, 0.05, 0.055, 0.06, 0.07, 0.08, 0.09, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2.5, 5],
				registers: [registry],
			});
			const responses = new Counter({name: 'http_responses_total', help: 'Responses.', labelNames: ['instance', 'status', 'status_class'], registers: [registry]});
			let request = 0;
			const traffic = () => {
				for (let index = 0; index < 100; index++) {
					request += 1;
					const instance = `m${request % 2}`;
					const route = ['/health', '/v1/rewards', '/v1/tokens/verify'][request % 3] as string;
					const status = request % 400 === 0 ? 503 : 200;
					duration.observe({instance, method: 'GET', route, status: String(status)}, 0.02 + ((request * 7919) % 100) / 2500);
					responses.inc({instance, status: String(status), status_class: `${Math.floor(status / 100)}xx`});
				}
			};
			return [colour, {registry, traffic}];
		}),
	);
	const server: Server = createServer((request, response) => {
		const entry = registries[(request.url ?? '/').slice(1)];
		if (!entry) {
			response.writeHead(404).end();
			return;
		}
		scrapes += 1;
		entry.traffic();
		void entry.registry.metrics().then((text) => {
			response.writeHead(200, {'content-type': entry.registry.contentType});
			response.end(text);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		scrapes: () => scrapes,
		close: () =>
			new Promise((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
};

const WAITING_AT_MANUAL = /Space to tick/;
const WATCHING = /bake left/;

/** (a) CPU while the checklist waits at a manual step: nothing runs, only the clock ticks. */
export const measureIdleManual = async (options: MeasureOptions = {}): Promise<CpuFigure> => {
	const space = workspace(manualRunbook, options.nodeArgs);
	const pane = openPane(space.argv, space.dir);
	try {
		await pane.waitFor(WAITING_AT_MANUAL);
		await sleep(SETTLE_MS);
		return await cpuOver(pane.pid, options.seconds ?? DEFAULT_SECONDS);
	} finally {
		await pane.close();
		space.done();
	}
};

/**
 * (b) CPU of a watch of four metrics, green and blue scraped from a local endpoint every second.
 * `headless`: the same watch with `--yes` and plain output, for what sampling and the journal cost
 * without the live screen.
 */
export const measureWatchCost = async (options: MeasureOptions & {headless?: boolean} = {}): Promise<CpuFigure> => {
	const exporter = await startExporter();
	const space = workspace(watchRunbook(exporter.url), options.nodeArgs, options.headless ? ['--yes'] : []);
	const pane = openPane(space.argv, space.dir);
	try {
		if (options.headless) await waitUntil(() => exporter.scrapes() >= 2, 'the first scrapes');
		else await pane.waitFor(WATCHING);
		await sleep(SETTLE_MS);
		return await cpuOver(pane.pid, options.seconds ?? DEFAULT_SECONDS);
	} finally {
		await pane.close();
		space.done();
		await exporter.close();
	}
};

const waitUntil = async (done: () => boolean, what: string, timeoutMs = 30_000) => {
	const deadline = Date.now() + timeoutMs;
	while (!done()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await sleep(50);
	}
};

const percentile = (sorted: number[], share: number): number => sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? Number.NaN;

/**
 * (c) From a key to the screen that answers it: `?` opens the help, `?` closes it again; each time
 * the screen is read until it shows the answer. Waits on the manual step by default, or during the
 * watch (`screen: 'watch'`), where samples and the clock are drawing too.
 */
export const measureKeyLatency = async (options: {presses?: number; screen?: 'manual' | 'watch'} = {}): Promise<LatencyFigure> => {
	const exporter = options.screen === 'watch' ? await startExporter() : undefined;
	const space = workspace(exporter ? watchRunbook(exporter.url) : manualRunbook);
	const pane = openPane(space.argv, space.dir);
	const help = /this help; Esc or \? closes it/;
	const back = exporter ? WATCHING : WAITING_AT_MANUAL;
	const times: number[] = [];
	try {
		await pane.waitFor(back);
		await sleep(SETTLE_MS);
		const presses = options.presses ?? 20;
		for (let index = 0; index < presses; index++) {
			const answer = index % 2 === 0 ? help : back;
			const start = performance.now();
			pane.send('?');
			for (;;) {
				if (answer.test(await pane.screenAsync())) break;
				if (performance.now() - start > 5000) throw new Error(`no answer to a key within 5 s; the screen shows:\n${pane.screen()}`);
			}
			times.push(performance.now() - start);
			// Keys a person types are apart; a press on the heels of a frame is the case that waits longest.
			await sleep(150 + ((index * 37) % 200));
		}
	} finally {
		await pane.close();
		space.done();
		await exporter?.close();
	}
	const sorted = [...times].sort((a, b) => a - b);
	const round = (ms: number) => Math.round(ms * 10) / 10;
	return {medianMs: round(percentile(sorted, 0.5)), p90Ms: round(percentile(sorted, 0.9)), maxMs: round(sorted.at(-1) ?? Number.NaN), presses: times.length};
};

const main = async () => {
	const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(44)} ${value}\n`);
	const load = os.loadavg().map((value) => value.toFixed(2)).join(' ');
	process.stdout.write(`greenlight idle cost — node ${process.version}, ${os.cpus().length} cores (load ${load}), ${SIZE.columns}×${SIZE.rows}\n`);
	const manual = await measureIdleManual();
	const cpu = (figure: CpuFigure) => `${figure.percentOfCore.toFixed(1)} % of a core (${figure.systemPercent.toFixed(1)} % in the kernel; ${figure.seconds} s)`;
	line('idle at a manual step', cpu(manual));
	const watch = await measureWatchCost();
	line('watch of 4 metrics, sampled every second', cpu(watch));
	const headless = await measureWatchCost({headless: true});
	line('  the same watch without the screen (--yes)', cpu(headless));
	for (const screen of ['manual', 'watch'] as const) {
		const keys = await measureKeyLatency({screen});
		line(`key → screen (${screen})`, `${keys.medianMs} ms median, p90 ${keys.p90Ms} ms, max ${keys.maxMs} ms (${keys.presses} presses)`);
	}
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
