import {createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import {createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket} from 'node:net';
import {gzipSync} from 'node:zlib';
import {afterEach, describe, expect, test} from 'vitest';
import {getText} from '../../source/adapters/http-get-text.js';

// A metric source's GET over node:http, against real servers on 127.0.0.1: what fetch did for it
// (redirects, credentials kept to their origin, compressed answers, timeouts) must still hold.

const servers: Array<Server | TcpServer> = [];
afterEach(async () => {
	await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

const serve = async (handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> => {
	const server = createHttpServer(handler);
	servers.push(server);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

describe('a metric source\'s GET', () => {
	test('given redirects, a relative one and one to another origin, then it follows them and keeps the token to its own origin', async () => {
		const seen: Array<{where: string; authorization?: string}> = [];
		const other = await serve((request, response) => {
			seen.push({where: `other${request.url}`, authorization: request.headers.authorization});
			response.end('metric 1\n');
		});
		const first = await serve((request, response) => {
			seen.push({where: `first${request.url}`, authorization: request.headers.authorization});
			if (request.url === '/metrics') response.writeHead(301, {location: '/metrics/'}).end();
			else response.writeHead(307, {location: `${other}/federate`}).end();
		});
		const result = await getText(`${first}/metrics`, {headers: {Authorization: 'Bearer s3cret'}, timeoutMs: 5_000});
		expect(result).toMatchObject({ok: true, answer: {status: 200, body: 'metric 1\n'}});
		expect(seen).toEqual([
			{where: 'first/metrics', authorization: 'Bearer s3cret'},
			{where: 'first/metrics/', authorization: 'Bearer s3cret'},
			{where: 'other/federate', authorization: undefined},
		]);
	});

	test('given a redirect loop, then it stops after 20 redirects with a reason', async () => {
		let hits = 0;
		const url = await serve((_request, response) => {
			hits += 1;
			response.writeHead(302, {location: '/again'}).end();
		});
		const result = await getText(`${url}/metrics`, {timeoutMs: 5_000});
		expect(result).toEqual({ok: false, failure: {kind: 'error', message: 'more than 20 redirects'}});
		expect(hits).toBe(21);
	});

	test('given a gzip-compressed answer, then the body is the text', async () => {
		const url = await serve((_request, response) => {
			response.writeHead(200, {'content-encoding': 'gzip', 'content-type': 'text/plain'}).end(gzipSync('up 1\n'));
		});
		expect(await getText(url, {timeoutMs: 5_000})).toMatchObject({ok: true, answer: {status: 200, body: 'up 1\n'}});
	});

	test('given a non-2xx answer, then it comes back with its status for the caller to word', async () => {
		const url = await serve((_request, response) => {
			response.writeHead(503, 'Service Unavailable').end('down');
		});
		expect(await getText(url, {timeoutMs: 5_000})).toMatchObject({ok: true, answer: {status: 503, statusText: 'Service Unavailable', body: 'down'}});
	});

	test('given a server that closed the kept-alive connection just as it is reused, then the GET is sent again on a new one', async () => {
		// Answers the first request of each connection and drops the connection at its second.
		const connections: Socket[] = [];
		const tcp = createTcpServer((socket) => {
			connections.push(socket);
			let requests = 0;
			socket.on('data', (data) => {
				for (const _request of data.toString('latin1').split('\r\n\r\n').slice(0, -1)) {
					requests += 1;
					if (requests > 1) {
						socket.destroy();
						return;
					}
					socket.write('HTTP/1.1 200 OK\r\ncontent-length: 6\r\nconnection: keep-alive\r\n\r\nup 1\r\n');
				}
			});
		});
		servers.push(tcp);
		await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
		const url = `http://127.0.0.1:${(tcp.address() as AddressInfo).port}/metrics`;
		expect(await getText(url, {timeoutMs: 5_000})).toMatchObject({ok: true, answer: {body: 'up 1\r\n'}});
		expect(await getText(url, {timeoutMs: 5_000})).toMatchObject({ok: true, answer: {body: 'up 1\r\n'}});
		expect(connections).toHaveLength(2);
		for (const socket of connections) socket.destroy();
	});

	test('given an answer that stops half-way, then the timeout covers the body too', async () => {
		const url = await serve((_request, response) => {
			response.writeHead(200, {'content-type': 'text/plain'});
			response.write('metric ');
		});
		const started = Date.now();
		expect(await getText(url, {timeoutMs: 300})).toEqual({ok: false, failure: {kind: 'timed-out'}});
		expect(Date.now() - started).toBeGreaterThanOrEqual(290);
	});

	test('given a caller that stops waiting, then it comes back cancelled', async () => {
		const url = await serve(() => {
			// never answers
		});
		const stop = new AbortController();
		const pending = getText(url, {timeoutMs: 60_000, signal: stop.signal});
		stop.abort();
		expect(await pending).toEqual({ok: false, failure: {kind: 'cancelled'}});
	});

	test('given a closed port, a bad URL and another scheme, then each comes back as a failure with its reason', async () => {
		const tcp = createTcpServer();
		await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
		const port = (tcp.address() as AddressInfo).port;
		await new Promise((resolve) => tcp.close(resolve));
		expect(await getText(`http://127.0.0.1:${port}/metrics`, {timeoutMs: 5_000})).toMatchObject({ok: false, failure: {kind: 'error', code: 'ECONNREFUSED'}});
		expect(await getText('not a url', {timeoutMs: 5_000})).toEqual({ok: false, failure: {kind: 'error', message: 'invalid URL not a url'}});
		expect(await getText('ftp://127.0.0.1/metrics', {timeoutMs: 5_000})).toEqual({ok: false, failure: {kind: 'error', message: 'unsupported protocol ftp:'}});
	});
});
