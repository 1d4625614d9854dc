import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {existsSync} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {execa, type ResultPromise} from 'execa';

export type PrometheusServer = {
	/** Base URL of the HTTP API, e.g. http://127.0.0.1:40123 */
	url: string;
	/** Resolves once every target was scraped successfully. */
	waitForTargetsUp(timeoutMs?: number): Promise<void>;
	stop(): Promise<void>;
};

/** The Prometheus binary: $PROMETHEUS_BIN, then PATH, then the Debian package's location. */
export const findPrometheus = (): string => {
	const candidates = [
		process.env.PROMETHEUS_BIN,
		...(process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, 'prometheus')),
		'/usr/bin/prometheus',
	].filter((candidate): candidate is string => Boolean(candidate));
	const found = candidates.find((candidate) => existsSync(candidate));
	if (!found) {
		throw new Error(
			'the prometheus binary was not found (looked at $PROMETHEUS_BIN, PATH and /usr/bin/prometheus): ' +
				'install the Debian package `prometheus` (apt-get install -y prometheus); CI installs it',
		);
	}
	return found;
};

export const freePort = (): Promise<number> =>
	new Promise((resolve, reject) => {
		const probe = net.createServer();
		probe.once('error', reject);
		probe.listen(0, '127.0.0.1', () => {
			const {port} = probe.address() as net.AddressInfo;
			probe.close(() => resolve(port));
		});
	});

const until = async (what: string, timeoutMs: number, check: () => Promise<boolean>, log: () => string) => {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await check().catch(() => false)) return;
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
	throw new Error(`Prometheus: ${what} within ${timeoutMs} ms\n${log()}`);
};

/**
 * A real Prometheus on 127.0.0.1 (free port, temp config and storage) scraping the given
 * host:port targets every second. The system service is never touched.
 */
/** A scrape target: host:port, or with the path of its metrics and labels Prometheus adds to its series (as Fly adds `app`). */
export type ScrapeTarget = string | {target: string; path?: string; labels?: Record<string, string>; honorLabels?: boolean};

export const startPrometheus = async (targets: ScrapeTarget[], options: {scrapeInterval?: string} = {}): Promise<PrometheusServer> => {
	const binary = findPrometheus();
	const dir = await mkdtemp(path.join(os.tmpdir(), 'greenlight-prometheus-'));
	const interval = options.scrapeInterval ?? '1s';
	const config = [
		'global:',
		`  scrape_interval: ${interval}`,
		`  evaluation_interval: ${interval}`,
		'scrape_configs:',
		...targets.flatMap((given, index) => {
			const target = typeof given === 'string' ? {target: given} : given;
			return [
				`  - job_name: ${index === 0 ? 'app' : `app-${index}`}`,
				`    scrape_interval: ${interval}`,
				`    scrape_timeout: ${interval}`,
				`    metrics_path: '${target.path ?? '/metrics'}'`,
				`    honor_labels: ${target.honorLabels === true}`,
				'    static_configs:',
				`      - targets: ['${target.target}']`,
				...(target.labels ? ['        labels:', ...Object.entries(target.labels).map(([name, value]) => `          ${name}: '${value}'`)] : []),
			];
		}),
		'',
	].join('\n');
	await writeFile(path.join(dir, 'prometheus.yml'), config);
	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
	let output = '';
	const child: ResultPromise = execa(
		binary,
		[
			`--config.file=${path.join(dir, 'prometheus.yml')}`,
			`--storage.tsdb.path=${path.join(dir, 'data')}`,
			`--web.listen-address=127.0.0.1:${port}`,
			'--log.level=warn',
		],
		{reject: false, all: true, cleanup: true},
	);
	child.all?.on('data', (chunk: Buffer) => {
		output = (output + chunk.toString()).slice(-4000);
	});
	let stopped = false;
	const stop = async () => {
		if (stopped) return;
		stopped = true;
		child.kill('SIGTERM');
		const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
		await child;
		clearTimeout(timer);
		await rm(dir, {recursive: true, force: true});
	};
	try {
		await until('not ready', 20_000, async () => (await fetch(`${url}/-/ready`)).ok, () => output);
	} catch (error) {
		await stop();
		throw error;
	}
	return {
		url,
		stop,
		waitForTargetsUp: (timeoutMs = 20_000) =>
			until(
				'targets not up',
				timeoutMs,
				async () => {
					const body = (await (await fetch(`${url}/api/v1/targets`)).json()) as {
						data: {activeTargets: Array<{health: string}>};
					};
					const active = body.data.activeTargets;
					return active.length === targets.length && active.every((target) => target.health === 'up');
				},
				() => output,
			),
	};
};
