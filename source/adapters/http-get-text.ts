import {Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions} from 'node:http';
import type {Agent as HttpsAgent} from 'node:https';
import {createBrotliDecompress, createGunzip, createInflate} from 'node:zlib';
import type {HttpFetchResult, HttpFailure} from './http-fetch.js';

// A metric source's GET through node:http rather than fetch. A watch reads its sources every second
// for minutes: fetch (undici) costs about 80 ms of CPU to load at the first read and several times
// node:http's work on each read after, on the machine an operator watches a bake from. What fetch
// did for a GET is kept: redirects are followed (up to 20, as the Fetch standard's redirect count),
// credentials are dropped when a redirect leaves the origin (as fetch drops Authorization), a
// compressed answer is decoded, and the timeout covers the whole exchange. Connections are kept
// alive, as fetch keeps them; a request that a server's idle close met on a reused connection is
// sent once more on a new one (node's documented `reusedSocket` race).

const MAX_REDIRECTS = 20;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers that carry credentials: they go only to the origin they were meant for. */
const CREDENTIALS = ['authorization', 'cookie', 'proxy-authorization'];

let httpAgent: HttpAgent | undefined;
let httpsAgent: Promise<{agent: HttpsAgent; request: typeof httpRequest}> | undefined;

/** node:https (and with it TLS) is loaded only for a source that needs it. */
const transportFor = async (url: URL): Promise<{agent: HttpAgent | HttpsAgent; request: typeof httpRequest}> => {
	if (url.protocol === 'http:') {
		httpAgent ??= new HttpAgent({keepAlive: true});
		return {agent: httpAgent, request: httpRequest};
	}
	httpsAgent ??= import('node:https').then((https) => ({agent: new https.Agent({keepAlive: true}), request: https.request}));
	return httpsAgent;
};

type Hop = {status: number; statusText: string; headers: IncomingMessage['headers']; body: string};

/** One request and its whole body; a reused connection that the server had just closed is retried once. */
const exchange = (
	send: typeof httpRequest,
	url: URL,
	options: RequestOptions,
	live: Set<ClientRequest>,
	retried = false,
): Promise<Hop> =>
	new Promise((resolve, reject) => {
		const outgoing = send(url, options, (response) => {
			const encoding = String(response.headers['content-encoding'] ?? '').trim().toLowerCase();
			const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : undefined;
			const stream = decoder ? response.pipe(decoder) : response;
			if (decoder) response.on('error', (error) => decoder.destroy(error));
			stream.setEncoding('utf8');
			let body = '';
			stream.on('data', (chunk: string) => {
				body += chunk;
			});
			stream.on('end', () => {
				live.delete(outgoing);
				resolve({status: response.statusCode ?? 0, statusText: response.statusMessage ?? '', headers: response.headers, body});
			});
			stream.on('error', (error) => {
				live.delete(outgoing);
				reject(error);
			});
		});
		live.add(outgoing);
		outgoing.on('error', (error: NodeJS.ErrnoException) => {
			live.delete(outgoing);
			if (!retried && outgoing.reusedSocket && error.code === 'ECONNRESET') {
				exchange(send, url, options, live, true).then(resolve, reject);
				return;
			}
			reject(error);
		});
		outgoing.end();
	});

const failureOf = (error: unknown): HttpFailure => {
	const {message, code} = error as NodeJS.ErrnoException;
	return code === undefined ? {kind: 'error', message} : {kind: 'error', message, code, causeMessage: message};
};

/** GETs `url` and reads the whole body, within `timeoutMs` and until `signal` aborts. Never throws. */
export const getText = async (
	url: string,
	options: {headers?: Record<string, string>; timeoutMs: number; signal?: AbortSignal},
): Promise<HttpFetchResult> => {
	if (options.signal?.aborted) return {ok: false, failure: {kind: 'cancelled'}};
	let target: URL;
	try {
		target = new URL(url);
	} catch {
		return {ok: false, failure: {kind: 'error', message: `invalid URL ${url}`}};
	}
	const started = performance.now();
	const live = new Set<ClientRequest>();
	let stopped: HttpFailure | undefined;
	const stop = (failure: HttpFailure) => {
		stopped ??= failure;
		// With an error, so that the request fails whether or not its answer had begun.
		for (const outgoing of live) outgoing.destroy(new Error(failure.kind));
	};
	const timer = setTimeout(() => stop({kind: 'timed-out'}), options.timeoutMs);
	const onAbort = () => stop({kind: 'cancelled'});
	options.signal?.addEventListener('abort', onAbort, {once: true});
	let headers: Record<string, string> = {...options.headers};
	try {
		for (let redirects = 0; ; redirects += 1) {
			if (target.protocol !== 'http:' && target.protocol !== 'https:') {
				return {ok: false, failure: {kind: 'error', message: `unsupported protocol ${target.protocol}`}};
			}
			const {agent, request} = await transportFor(target);
			if (stopped) return {ok: false, failure: stopped};
			const hop = await exchange(request, target, {method: 'GET', headers, agent}, live);
			const location = hop.headers.location;
			if (!REDIRECTS.has(hop.status) || location === undefined) {
				const durationMs = Math.round(performance.now() - started);
				return {ok: true, answer: {status: hop.status, statusText: hop.statusText, body: hop.body, durationMs}};
			}
			if (redirects >= MAX_REDIRECTS) return {ok: false, failure: {kind: 'error', message: `more than ${MAX_REDIRECTS} redirects`}};
			const next = new URL(location, target);
			if (next.origin !== target.origin) {
				headers = Object.fromEntries(Object.entries(headers).filter(([name]) => !CREDENTIALS.includes(name.toLowerCase())));
			}
			target = next;
		}
	} catch (error) {
		return {ok: false, failure: stopped ?? failureOf(error)};
	} finally {
		clearTimeout(timer);
		options.signal?.removeEventListener('abort', onAbort);
	}
};
