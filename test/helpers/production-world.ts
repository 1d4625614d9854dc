import {cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {parseDuration} from '../../source/runbook/duration.js';
import {startSandbox, type Sandbox} from '../../source/sandbox/sandbox.js';
import {startPrometheus, type PrometheusServer} from './prometheus-server.js';

// Fly as `greenlight run --target production` meets it, on 127.0.0.1: the sandbox's fly and gh
// (upstream shapes, the rehearsal's macaroon as the one token they accept) first on PATH, its apps
// behind its Fly proxy, and a real Prometheus scraping Fly's proxy series (/fly: fly_app_http_*
// with app, region, host, instance) and each app's own metrics with `app` added as Fly adds it,
// behind a gateway that, like api.fly.io/prometheus/<org>/, wants `Authorization: FlyV1 <macaroon>`
// and refuses everything else. Nothing of the rehearsal target is used: the runbook runs with its
// production metrics, and only its endpoints are pointed here with --var.

const repo = path.resolve(import.meta.dirname, '..', '..');
const ORG = 'lokaltreu';

/** The durations a production run waits for (bakes, watches, their intervals and gate windows), as `rehearse --speed` shortens them. */
const SHORTENED = new Set(['duration', 'maxDuration', 'bake', 'maxBake', 'interval', 'window']);

/** runbook.json with every bake and watch divided by `speed`; commands, gates and metrics as committed. */
export const shortenedRunbook = (speed: number): unknown => {
	const shorten = (value: unknown, key?: string): unknown => {
		if (typeof value === 'string' && key !== undefined && SHORTENED.has(key) && value !== 'bake') return `${Math.round(parseDuration(value) / speed)}ms`;
		if (Array.isArray(value)) return value.map((item) => shorten(item));
		if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, shorten(item, name)]));
		return value;
	};
	return shorten(JSON.parse(readFileSync(path.join(repo, 'runbook.json'), 'utf8')));
};

/** api.fly.io/prometheus/<org>/ in front of a local Prometheus: only `FlyV1 <macaroon>` gets through. */
const startFlyPrometheusGateway = async (upstream: string, authorization: string) => {
	const refusals: string[] = [];
	const server = http.createServer((request, response) => {
		const url = new URL(request.url ?? '/', 'http://gateway');
		const prefix = `/prometheus/${ORG}/`;
		if (!url.pathname.startsWith(prefix)) {
			response.writeHead(404, {'content-type': 'text/plain'});
			response.end('not found\n');
			return;
		}
		if (request.headers.authorization !== authorization) {
			refusals.push(String(request.headers.authorization ?? ''));
			response.writeHead(401, {'content-type': 'text/plain'});
			response.end('unauthorized: something went wrong resolving organization\n');
			return;
		}
		void fetch(`${upstream}/${url.pathname.slice(prefix.length)}${url.search}`).then(
			async (answer) => {
				response.writeHead(answer.status, {'content-type': answer.headers.get('content-type') ?? 'application/json'});
				response.end(Buffer.from(await answer.arrayBuffer()));
			},
			(error: unknown) => {
				response.writeHead(502, {'content-type': 'text/plain'});
				response.end(`${(error as Error).message}\n`);
			},
		);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/prometheus/${ORG}`,
		refusals,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
};

export type ProductionWorld = {
	/** The folder the run starts in: the shortened runbook.json and its linked runbooks. */
	dir: string;
	/** What an operator's shell would hold: fly and gh on PATH, FLY_API_TOKEN, the green secrets, the synthetic token. */
	env: Record<string, string>;
	/** --var for the endpoints a production check points elsewhere, and the release's version and commit. */
	vars: Record<string, string>;
	sandbox: Sandbox;
	prometheus: PrometheusServer;
	/** Authorization headers the gateway refused. */
	refusals: string[];
	stop: () => Promise<void>;
};

export const startProductionWorld = async (options: {speed: number; scenario?: string}): Promise<ProductionWorld> => {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'greenlight-production-'));
	writeFileSync(path.join(dir, 'runbook.json'), `${JSON.stringify(shortenedRunbook(options.speed), null, '\t')}\n`);
	cpSync(path.join(repo, 'runbooks'), path.join(dir, 'runbooks'), {recursive: true});
	const sandbox = await startSandbox({sessionDir: path.join(dir, 'fly'), scenario: options.scenario, speed: options.speed});
	let prometheus: PrometheusServer | undefined;
	let gateway: Awaited<ReturnType<typeof startFlyPrometheusGateway>> | undefined;
	const stop = async () => {
		await gateway?.close();
		await prometheus?.stop();
		await sandbox.stop();
		rmSync(dir, {recursive: true, force: true});
	};
	try {
		const {variables} = sandbox;
		const metrics = (variables.sandboxMetricsUrl as string).replace(/^http:\/\//, '');
		prometheus = await startPrometheus([
			{target: metrics, path: '/fly', honorLabels: true},
			{target: metrics, path: '/green', labels: {app: variables.greenApp as string}},
			{target: metrics, path: '/blue', labels: {app: variables.app as string}},
		]);
		if (options.scenario !== 'metrics-outage') await prometheus.waitForTargetsUp();
		gateway = await startFlyPrometheusGateway(prometheus.url, sandbox.env.FLY_API_TOKEN as string);
		return {
			dir,
			env: {
				...sandbox.env,
				GREEN_SECRETS_DOTENV: variables.greenSecrets as string,
				SYNTHETIC_TOKEN: 'baeckerei-schmidt.synthetic-7f3a9c',
			},
			vars: {
				prometheusUrl: gateway.url,
				greenUrl: variables.greenUrl as string,
				openapi: variables.openapi as string,
				blueConfig: variables.blueConfig as string,
				greenConfig: variables.greenConfig as string,
				version: '2.4.0',
				commit: '4f2c9e1a7b3d8e5f6a7b8c9d0e1f2a3b4c5d6e7f',
			},
			sandbox,
			prometheus,
			refusals: gateway.refusals,
			stop,
		};
	} catch (error) {
		await stop();
		throw error;
	}
};
