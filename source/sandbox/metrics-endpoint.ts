import {createServer, type Server} from 'node:http';
import type {Registry} from 'prom-client';
import {keepIdleConnections} from './api-server.js';
import {listenOnLoopback} from './loopback-listen.js';

// Prometheus text endpoints the rehearsal target scrapes: /blue and /green (the API's own metrics
// per colour) and /proxy (what the proxy served). Under metrics-outage the API endpoints fail.

export type MetricsEndpoint = {port: number; close: () => Promise<void>};

export const startMetricsEndpoint = async (options: {
	registries: Record<string, Registry>;
	/** Paths that answer 500 and garbage in turn, like a broken exporter. */
	broken?: ReadonlySet<string>;
}): Promise<MetricsEndpoint> => {
	let scrapes = 0;
	const server: Server = createServer((request, response) => {
		const name = new URL(request.url ?? '/', 'http://metrics').pathname.replace(/^\//, '');
		const registry = options.registries[name];
		if (!registry) {
			response.writeHead(404, {'content-type': 'text/plain'});
			response.end(`no metrics at /${name}; try ${Object.keys(options.registries).map((key) => `/${key}`).join(', ')}\n`);
			return;
		}
		if (options.broken?.has(name)) {
			scrapes += 1;
			if (scrapes % 2 === 0) {
				response.writeHead(500, {'content-type': 'text/plain'});
				response.end('exporter: upstream timeout\n');
			} else {
				response.writeHead(200, {'content-type': 'text/plain; version=0.0.4'});
				response.end('http_request_duration_seconds_bucket{le="0.1" 12\n\u0000\u0007garbage{{{\n');
			}
			return;
		}
		void registry.metrics().then(
			(text) => {
				response.writeHead(200, {'content-type': registry.contentType});
				response.end(text);
			},
			(error: unknown) => {
				response.writeHead(500, {'content-type': 'text/plain'});
				response.end(`${(error as Error).message}\n`);
			},
		);
	});
	keepIdleConnections(server);
	return listenOnLoopback(server);
};
