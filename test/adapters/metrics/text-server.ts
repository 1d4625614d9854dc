import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {afterAll, beforeAll} from 'vitest';

export type Answer = {status?: number; body: string; delayMs?: number; contentType?: string};

export type TextServer = {
	url: string;
	/** What the next requests get; a function sees each request. */
	answer(next: Answer | ((request: http.IncomingMessage) => Answer)): void;
	requests: http.IncomingMessage[];
	close(): Promise<void>;
};

/** A real HTTP server on 127.0.0.1 whose answers the test decides. */
export const startTextServer = async (): Promise<TextServer> => {
	let current: Answer | ((request: http.IncomingMessage) => Answer) = {body: ''};
	const requests: http.IncomingMessage[] = [];
	const server = http.createServer((request, response) => {
		requests.push(request);
		const answer = typeof current === 'function' ? current(request) : current;
		const send = () => {
			if (response.destroyed) return;
			response.writeHead(answer.status ?? 200, {'content-type': answer.contentType ?? 'text/plain'});
			response.end(answer.body);
		};
		if (answer.delayMs) setTimeout(send, answer.delayMs);
		else send();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		answer: (next) => {
			current = next;
		},
		requests,
		close: () =>
			new Promise((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
};

/** A text server for the tests of one file: started before them, closed after them. */
export const textServerForTests = (): {readonly server: TextServer} => {
	let started: TextServer | undefined;
	beforeAll(async () => {
		started = await startTextServer();
	});
	afterAll(async () => {
		await started?.close();
	});
	return {
		get server() {
			if (!started) throw new Error('the text server starts in beforeAll; use it inside tests');
			return started;
		},
	};
};
