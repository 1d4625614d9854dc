import {describeWait} from './metric-reading.js';

export type HttpGetResult =
	| {ok: true; status: number; body: string}
	| {ok: false; reason: string};

/** A GET that never throws: timeouts, refused connections and cancellation come back as reasons. */
export const httpGet = async (
	url: string,
	options: {headers?: Record<string, string>; timeoutMs: number; signal?: AbortSignal},
): Promise<HttpGetResult> => {
	if (options.signal?.aborted) return {ok: false, reason: 'cancelled'};
	const timeout = AbortSignal.timeout(options.timeoutMs);
	const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
	try {
		const response = await fetch(url, {headers: options.headers, signal});
		const body = await response.text();
		return {ok: true, status: response.status, body};
	} catch (error) {
		if (options.signal?.aborted) return {ok: false, reason: 'cancelled'};
		if (timeout.aborted) return {ok: false, reason: `no answer from ${hostOf(url)} within ${describeWait(options.timeoutMs)}`};
		return {ok: false, reason: describeFetchError(error, url)};
	}
};

const hostOf = (url: string): string => {
	try {
		return new URL(url).host;
	} catch {
		return url;
	}
};

const describeFetchError = (error: unknown, url: string): string => {
	const cause = (error as {cause?: {code?: string; message?: string}}).cause;
	if (cause?.code === 'ECONNREFUSED') return `cannot connect to ${hostOf(url)} (connection refused)`;
	if (cause?.code === 'ENOTFOUND') return `cannot resolve ${hostOf(url)}`;
	if (cause?.code) return `${hostOf(url)}: ${cause.code}${cause.message ? ` ${cause.message}` : ''}`;
	const message = (error as Error).message;
	if (/URL/i.test(message)) return `not a valid URL: ${url}`;
	return `${hostOf(url)}: ${cause?.message ?? message}`;
};
