import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import type {ApiMetrics} from './api-metrics.js';
import type {ScenarioName} from './scenarios.js';
import {listenOnLoopback} from './loopback-listen.js';

// One Fly machine of "the API": the endpoints of api.openapi.yaml, instrumented, with the rehearsed fault.

export type ApiMachineOptions = {
	machineId: string;
	colour: 'blue' | 'green';
	version: string;
	/** Machines of the blue app's "replay" group answer every request with fly-replay to this app. */
	replayTo?: string;
	scenario?: ScenarioName;
	metrics: ApiMetrics;
	/** True once green serves production traffic (a replay machine is in service). */
	carriesTraffic: () => boolean;
};

export type ApiMachine = {port: number; close: () => Promise<void>};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const readBody = async (request: IncomingMessage): Promise<string> => {
	const chunks: Buffer[] = [];
	for await (const chunk of request) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks).toString('utf8');
};

/**
 * Realistic service time: 12-32 ms, and one request in a hundred a slow one (52-112 ms), by chance
 * and independently per request. (A tail by count, every hundredth request of each machine, made
 * the machines that share traffic round-robin hit their slow request at the same moment: a burst
 * of four slow requests in a few seconds, which is not how a tail behaves.)
 */
const serviceTime = (): number => 12 + Math.random() * 20 + (Math.random() < 0.01 ? 40 + Math.random() * 40 : 0);

/** The rehearsed regressions of green's service time once it carries production traffic. */
const regressed = (ms: number, scenario: ScenarioName | undefined): number => {
	if (scenario === 'green-latency') return ms + 380;
	if (scenario === 'green-latency-subtle') return ms * 1.4;
	return ms;
};

/** Share of green's answers that are 500 once it carries production traffic. */
const failureShare: Partial<Record<ScenarioName, number>> = {'green-5xx': 0.25, 'green-5xx-subtle': 0.02};

/** Share of valid tokens green rejects (a signing-key mismatch), from the start. */
const rejectedShare: Partial<Record<ScenarioName, number>> = {'token-invalid-spike': 0.9, 'token-invalid-subtle': 0.15};

const rewards = [
	{id: 'rw_coffee', title: 'Kaffee gratis', points: 100},
	{id: 'rw_cake', title: 'Kuchenstück', points: 250},
	{id: 'rw_bag', title: 'Stofftasche', points: 600},
];

const pointsOf = (tenantId: string) => [...tenantId].reduce((sum, char) => sum + char.charCodeAt(0) * 17, 0) % 5000;

type Answer = {status: number; body?: unknown; headers?: Record<string, string>};

const handle = async (options: ApiMachineOptions, request: IncomingMessage, route: string): Promise<Answer> => {
	const green = options.colour === 'green';
	const {scenario} = options;
	const url = new URL(request.url ?? '/', 'http://machine');
	if (route === 'health') {
		// health-flap: unhealthy for half of every second, so every one-second window of health checks sees a failure.
		if (green && scenario === 'health-flap' && Date.now() % 1000 < 500) return {status: 503, body: {status: 'unhealthy'}};
		return {status: 200, body: {status: 'ok', version: options.version, machine: options.machineId}};
	}
	if (green && scenario && options.carriesTraffic() && Math.random() < (failureShare[scenario] ?? 0)) {
		return {status: 500, body: {error: 'internal', message: 'connection pool exhausted'}};
	}
	const tenant = /^\/v1\/tenants\/([^/]+)\/points$/.exec(url.pathname);
	if (route === 'points' && tenant) {
		const tenantId = decodeURIComponent(tenant[1] as string);
		const points = pointsOf(tenantId);
		// contract-break: the new version serialises points as a string, which the contract forbids.
		return {
			status: 200,
			body: {tenantId, points: green && scenario === 'contract-break' ? String(points) : points, updatedAt: new Date().toISOString()},
		};
	}
	if (route === 'rewards') return {status: 200, body: {rewards}};
	if (route === 'verify') {
		let token: unknown;
		try {
			token = (JSON.parse(await readBody(request)) as {token?: unknown}).token;
		} catch {
			token = undefined;
		}
		if (typeof token !== 'string' || token === '') return {status: 400, body: {error: 'bad_request', message: 'body must be {"token": "…"}'}};
		const invalid = token.startsWith('invalid') || (green && scenario !== undefined && Math.random() < (rejectedShare[scenario] ?? 0));
		options.metrics.tokenVerified(!invalid);
		return invalid
			? {status: 200, body: {valid: false, reason: 'signature_mismatch'}}
			: {status: 200, body: {valid: true, tenantId: token.split('.')[0] ?? 'unknown', expiresAt: new Date(Date.now() + 3_600_000).toISOString()}};
	}
	return {status: 404, body: {error: 'not_found', message: `no route for ${request.method} ${url.pathname}`}};
};

const routeOf = (method: string, pathname: string): string => {
	if (method === 'GET' && pathname === '/health') return 'health';
	if (method === 'GET' && /^\/v1\/tenants\/[^/]+\/points$/.test(pathname)) return 'points';
	if (method === 'GET' && pathname === '/v1/rewards') return 'rewards';
	if (method === 'POST' && pathname === '/v1/tokens/verify') return 'verify';
	return 'unknown';
};

export const startApiMachine = async (options: ApiMachineOptions): Promise<ApiMachine> => {
	const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
		const pathname = new URL(request.url ?? '/', 'http://machine').pathname;
		const route = routeOf(request.method ?? 'GET', pathname);
		// Fly's health checks reach a machine directly; whatever comes through the proxy carries its headers.
		const throughProxy = request.headers['fly-forwarded-port'] !== undefined;
		if (options.replayTo && (route !== 'health' || throughProxy)) {
			// What a blue machine of the replay group does: ask the Fly proxy to replay the request on green.
			request.resume();
			response.writeHead(204, {'fly-replay': `app=${options.replayTo}`, 'x-served-by': options.machineId});
			response.end();
			return;
		}
		void (async () => {
			let answer: Answer;
			// The latency recorded is only the one the sandbox models. A machine on Fly has its own CPU; here
			// every machine, the proxies, the load and the stand-ins share one event loop, so anything this
			// process measures (reading a body while a stand-in starts up at a traffic shift) is its own lag,
			// not the API's, and would make a fault-free rehearsal fail its latency gate on a busy machine.
			let serviceMs = 0;
			try {
				// Health answers at once; the API's work takes its service time (and the rehearsed regression).
				if (route !== 'health') {
					serviceMs = options.colour === 'green' && options.carriesTraffic() ? regressed(serviceTime(), options.scenario) : serviceTime();
					await sleep(serviceMs);
				}
				answer = await handle(options, request, route);
			} catch (error) {
				answer = {status: 500, body: {error: 'internal', message: (error as Error).message}};
			}
			const body = answer.body === undefined ? '' : JSON.stringify(answer.body);
			response.writeHead(answer.status, {
				'content-type': 'application/json',
				'x-served-by': options.machineId,
				'x-colour': options.colour,
				// The modelled service time (W3C Server-Timing): what a request cost the API, whatever the host's own delays.
				'server-timing': `app;dur=${serviceMs.toFixed(1)}`,
				...answer.headers,
			});
			response.end(body);
			// Health checks stay out of the latency and error series, as Fly's proxy metrics leave them out.
			if (!options.replayTo && route !== 'health') {
				const seconds = serviceMs / 1000;
				options.metrics.observe({instance: options.machineId, method: request.method ?? 'GET', route, status: answer.status, seconds});
			}
		})();
	});
	keepIdleConnections(server);
	return listenOnLoopback(server);
};

/**
 * Kept-alive connections stay open longer than any client here waits between two requests: a
 * server that closes an idle socket just as a client reuses it makes that request fail with
 * ECONNRESET, which on a busy machine turns a health probe or a scrape into a false alarm.
 */
export const keepIdleConnections = (server: Server): void => {
	server.keepAliveTimeout = 65_000;
	server.headersTimeout = 66_000;
};
