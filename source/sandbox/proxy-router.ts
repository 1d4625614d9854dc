import {createServer, request as httpRequest, type IncomingMessage, type Server} from 'node:http';
import {Counter, type Registry} from 'prom-client';
import {listenOnLoopback} from './loopback-listen.js';
import {serverTimingSeconds, type FlyProxyMetrics} from './fly-proxy-metrics.js';
import {chooseMachine} from './proxy-balancing.js';

// The rehearsal's Fly proxy: one port per app hostname; each request goes to a machine in service
// (started, not cordoned, checks not critical) chosen as Fly's proxy chooses (proxy-balancing.ts:
// least loaded, closest, at random among equals); a fly-replay answer is replayed on the named app.

export type Backend = {
	machineId: string;
	port: number;
	colour: 'blue' | 'green';
	/** How far the machine's worker is from the edge: the closest machine below its soft limit wins. */
	rttMs: number;
};

export type ProxyRouterOptions = {
	/** The app this hostname belongs to. */
	app: string;
	/** Machines in service for an app, right now. */
	backends: (app: string) => Backend[];
	/** Requests each machine is handling now, shared by every router of the sandbox as Fly's proxy shares its view. */
	inFlight: Map<string, number>;
	registry: Registry;
	/** "public" (the production hostname) or "green" (the green app's own hostname). */
	router: string;
	/** Fly's own proxy series (fly_app_http_*), shared by the sandbox's routers. */
	fly?: FlyProxyMetrics;
	random?: () => number;
};

export type ProxyRouter = {port: number; close: () => Promise<void>};

const countersByRegistry = new WeakMap<Registry, Counter>();

/** Responses per router, colour and status class: a green share over any window is a ratio of these counters. */
const responsesCounter = (registry: Registry): Counter => {
	const existing = countersByRegistry.get(registry);
	if (existing) return existing;
	const responses = new Counter({
		name: 'sandbox_proxy_responses_total',
		help: 'Responses the proxy returned, by hostname (router) and by the colour of the machine that answered ("none" when no machine was in service).',
		labelNames: ['router', 'colour', 'status_class'],
		registers: [registry],
	});
	countersByRegistry.set(registry, responses);
	return responses;
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
	const responses = responsesCounter(options.registry);
	const {inFlight} = options;
	const pick = (app: string): Backend | undefined =>
		chooseMachine(
			options.backends(app).map((backend) => ({...backend, inFlight: inFlight.get(backend.machineId) ?? 0})),
			options.random,
		);
	/** Forwards while counting the request against the machine's load. */
	const forwardCounted = async (backend: Backend, method: string, path: string, headers: IncomingMessage['headers'], body: Buffer) => {
		inFlight.set(backend.machineId, (inFlight.get(backend.machineId) ?? 0) + 1);
		try {
			return await forward(backend, method, path, headers, body);
		} finally {
			const left = (inFlight.get(backend.machineId) ?? 1) - 1;
			if (left > 0) inFlight.set(backend.machineId, left);
			else inFlight.delete(backend.machineId);
		}
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
				let answeredBy: {app: string; machineId: string; seconds: number} | undefined;
				try {
					// One replay at most, as Fly's proxy does not chain them.
					for (let hop = 0; hop < 2 && !answered; hop += 1) {
						const backend = pick(app);
						if (!backend) break;
						const started = performance.now();
						const result = await forwardCounted(backend, method, path, request.headers, body);
						const measured = (performance.now() - started) / 1000;
						const replay = /app=([\w-]+)/.exec(String(result.headers['fly-replay'] ?? ''));
						if (replay && hop === 0) {
							app = replay[1] as string;
							continue;
						}
						answered = result;
						colour = backend.colour;
						answeredBy = {app, machineId: backend.machineId, seconds: serverTimingSeconds(result.headers['server-timing']) ?? measured};
					}
				} catch (error) {
					answered = {status: 502, headers: {'content-type': 'text/plain'}, body: Buffer.from(`proxy: ${(error as Error).message}\n`)};
				}
				answered ??= {
					status: 503,
					headers: {'content-type': 'text/plain'},
					body: Buffer.from(`proxy: no machine of ${app} is in service (started, uncordoned, checks passing)\n`),
				};
				responses.inc({router: options.router, colour, status_class: `${Math.floor(answered.status / 100)}xx`});
				if (answeredBy) options.fly?.observe({...answeredBy, status: answered.status});
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
