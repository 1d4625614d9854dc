import {isSuccessStatus, type HttpFailure} from '../http-fetch.js';
import {getText} from '../http-get-text.js';
import {describeWait} from './reading.js';

export type HttpGetResult =
	| {ok: true; status: number; body: string}
	| {ok: false; reason: string};

/** A metric source's GET: timeouts, refused connections and cancellation come back as reasons naming the host. */
export const httpGet = async (
	url: string,
	options: {headers?: Record<string, string>; timeoutMs: number; signal?: AbortSignal},
): Promise<HttpGetResult> => {
	const sent = await getText(url, options);
	if (!sent.ok) return {ok: false, reason: describeFailure(sent.failure, url, options.timeoutMs)};
	return {ok: true, status: sent.answer.status, body: sent.answer.body};
};

/** The body of a 2xx answer; any other status is the reason, "HTTP 503 from URL". */
export const successBody = (response: HttpGetResult, url: string): {ok: true; body: string} | {ok: false; reason: string} => {
	if (!response.ok) return response;
	if (!isSuccessStatus(response.status)) return {ok: false, reason: `HTTP ${response.status} from ${url}`};
	return {ok: true, body: response.body};
};

const hostOf = (url: string): string => {
	try {
		return new URL(url).host;
	} catch {
		return url;
	}
};

const describeFailure = (failure: HttpFailure, url: string, timeoutMs: number): string => {
	if (failure.kind === 'cancelled') return 'cancelled';
	if (failure.kind === 'timed-out') return `no answer from ${hostOf(url)} within ${describeWait(timeoutMs)}`;
	const {code, causeMessage, message} = failure;
	if (code === 'ECONNREFUSED') return `cannot connect to ${hostOf(url)} (connection refused)`;
	if (code === 'ENOTFOUND') return `cannot resolve ${hostOf(url)}`;
	if (code) return `${hostOf(url)}: ${code}${causeMessage ? ` ${causeMessage}` : ''}`;
	if (/URL/i.test(message)) return `not a valid URL: ${url}`;
	return `${hostOf(url)}: ${causeMessage ?? message}`;
};
