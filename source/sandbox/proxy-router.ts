import {createServer, request as httpRequest, type IncomingMessage, type Server} from 'node:http';
import {Counter, Gauge, type Registry} from 'prom-client';
import {listenOnLoopback} from './loopback-listen.js';

// The rehearsal's Fly proxy: one port per app hostname, each request to a machine in service
// (started, not cordoned, checks not critical), round robin; a fly-replay answer is replayed on the named app.

export type Backend = {machineId: string; port: number; colour: 'blue' | 'green'};

export type ProxyRouterOptions = {
	/** The app this hostname belongs to. */
	app: string;
	/** Machines in service for an app, right now. */
	backends: (app: string) => Backend[];
	registry: Registry;
	/** "public" (the production hostname) or "green" (the green app's own hostname). */
	router: string;
};

export type ProxyRouter = {port: number; close: () => Promise<void>};

const SHARE_WINDOW_MS = 1_000;

type ProxyMetrics = {responses: Counter; answered: (router: string, colour: string) => void};
const metricsByRegistry = new WeakMap<Registry, ProxyMetrics>();

/** Counters per router and colour, and the share of green answers in the last second (the rollback's evidence). */
const proxyMetrics = (registry: Registry): ProxyMetrics => {
	const existing = metricsByRegistry.get(registry);
	if (existing) return existing;
	const recent = new Map<string, Array<{ts: number; green: boolean}>>();
	const responses = new Counter({
		name: 'sandbox_proxy_responses_total',
		help: 'Responses the proxy returned, by hostname (router) and by the colour of the machine that answered.',
		labelNames: ['router', 'colour', 'status_class'],
		registers: [registry],
	});
	new Gauge({
		name: 'sandbox_proxy_green_share_percent',
		help: 'Share of the responses of the last second that a green machine answered, in percent; NaN without traffic.',
		labelNames: ['router'],
		registers: [registry],
		collect() {
			const since = Date.now() - SHARE_WINDOW_MS;
			for (const [router, entries] of recent) {
				const inWindow = entries.filter((entry) => entry.ts >= since);
				recent.set(router, inWindow);
				const green = inWindow.filter((entry) => entry.green).length;
				this.set({router}, inWindow.length === 0 ? Number.NaN : (100 * green) / inWindow.length);
			}
		},
	});
	const metrics: ProxyMetrics = {
		responses,
		answered: (router, colour) => {
			const entries = recent.get(router) ?? [];
			entries.push({ts: Date.now(), green: colour === 'green'});
			recent.set(router, entries);
		},
	};
	metricsByRegistry.set(registry, metrics);
	return metrics;
};

type Forwarded = {status: number; headers: IncomingMessage['headers']; body: Buffer};

const forward = (backend: Backend, method: string, path: string, headers: IncomingMessage['headers'], body: Buffer): Promise<Forwarded> =>
	new Promise((resolve, reject) => {
		const outgoing = httpRequest(
			{host: '127.0.0.1', port: backend.port, method, path, headers: {...headers, 'fly-forwarded-port': '443'}, timeout: 10_000},
			(response) => {
				const chunks: Buffer[] = [];
				response.on('data', (chunk: Buffer) => chunks.push(chunk));
				response.on('end', () => resolve({status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(chunks)}));
				response.on('error', reject);
			},
		);
		outgoing.on('timeout', () => outgoing.destroy(new Error('machine did not answer within 10s')));
		outgoing.on('error', reject);
		outgoing.end(body);
	});

export const startProxyRouter = async (options: ProxyRouterOptions): Promise<ProxyRouter> => {
	const next = new Map<string, number>();
	const metrics = proxyMetrics(options.registry);
	const pick = (app: string): Backend | undefined => {
		const backends = options.backends(app);
		if (backends.length === 0) return undefined;
		const index = (next.get(app) ?? 0) % backends.length;
		next.set(app, index + 1);
		return backends[index];
	};

	const server: Server = createServer((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			void (async () => {
				const body = Buffer.concat(chunks);
				const method = request.method ?? 'GET';
				const path = request.url ?? '/';
				let app = options.app;
				let answered: Forwarded | undefined;
				let colour = 'none';
				try {
					// One replay at most, as Fly's proxy does not chain them.
					for (let hop = 0; hop < 2 && !answered; hop += 1) {
						const backend = pick(app);
						if (!backend) break;
						const result = await forward(backend, method, path, request.headers, body);
						const replay = /app=([\w-]+)/.exec(String(result.headers['fly-replay'] ?? ''));
						if (replay && hop === 0) {
							app = replay[1] as string;
							continue;
						}
						answered = result;
						colour = backend.colour;
					}
				} catch (error) {
					answered = {status: 502, headers: {'content-type': 'text/plain'}, body: Buffer.from(`proxy: ${(error as Error).message}\n`)};
				}
				answered ??= {
					status: 503,
					headers: {'content-type': 'text/plain'},
					body: Buffer.from(`proxy: no machine of ${app} is in service (started, uncordoned, checks passing)\n`),
				};
				metrics.responses.inc({router: options.router, colour, status_class: `${Math.floor(answered.status / 100)}xx`});
				metrics.answered(options.router, colour);
				const headers = {...answered.headers};
				delete headers['transfer-encoding'];
				delete headers.connection;
				response.writeHead(answered.status, {...headers, 'fly-request-id': `${Date.now().toString(36)}-fra`});
				response.end(answered.body);
			})();
		});
	});
	return listenOnLoopback(server);
};
