// One HTTP request with its own timeout and the caller's cancellation, for http steps: sent through
// fetch as the runbook states it. Metric sources GET through node:http (http-get-text.ts) with the
// same result and failure shapes. Neither throws: what went wrong comes back as a value, and each
// caller words it for its own reader (a step names the URL, a metric source the host).

export type HttpRequest = {method?: string; url: string; headers?: Record<string, string>; body?: string};

export type HttpAnswer = {status: number; statusText: string; body: string; durationMs: number};

/** Why no answer came: the caller stopped, the timeout ran out, or the request failed (with the system's code when there is one). */
export type HttpFailure =
	| {kind: 'cancelled'}
	| {kind: 'timed-out'}
	| {kind: 'error'; message: string; code?: string; causeMessage?: string};

export type HttpFetchResult = {ok: true; answer: HttpAnswer} | {ok: false; failure: HttpFailure};

/** 2xx: what "it worked" means when nobody expects a particular status. */
export const isSuccessStatus = (status: number): boolean => status >= 200 && status <= 299;

/** Sends the request and reads the whole body, within `timeoutMs` and until `signal` aborts. */
export const fetchText = async (
	request: HttpRequest,
	options: {timeoutMs: number; signal?: AbortSignal},
): Promise<HttpFetchResult> => {
	if (options.signal?.aborted) return {ok: false, failure: {kind: 'cancelled'}};
	const timeout = AbortSignal.timeout(options.timeoutMs);
	const started = performance.now();
	try {
		const response = await fetch(request.url, {
			method: request.method,
			headers: request.headers,
			body: request.body,
			signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
		});
		const body = await response.text();
		return {
			ok: true,
			answer: {
				status: response.status,
				statusText: response.statusText,
				body,
				durationMs: Math.round(performance.now() - started),
			},
		};
	} catch (error) {
		if (options.signal?.aborted) return {ok: false, failure: {kind: 'cancelled'}};
		if (timeout.aborted) return {ok: false, failure: {kind: 'timed-out'}};
		const cause = (error as {cause?: {code?: string; message?: string}}).cause;
		return {ok: false, failure: {kind: 'error', message: (error as Error).message, code: cause?.code, causeMessage: cause?.message}};
	}
};
