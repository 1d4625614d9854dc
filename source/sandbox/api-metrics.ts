import {Counter, Gauge, Histogram, Registry} from 'prom-client';

// One registry per colour: what the API's own /metrics would expose, with the machine id as `instance`.

const TOKEN_WINDOW_MS = 10_000;

export type ApiMetrics = {
	registry: Registry;
	observe: (sample: {instance: string; method: string; route: string; status: number; seconds: number}) => void;
	tokenVerified: (valid: boolean) => void;
};

export const createApiMetrics = (colour: 'blue' | 'green'): ApiMetrics => {
	const registry = new Registry();
	registry.setDefaultLabels({colour});
	const duration = new Histogram({
		name: 'http_request_duration_seconds',
		help: 'Time from request to response, by machine.',
		labelNames: ['instance', 'method', 'route', 'status'],
		// Fine where the API answers (20–60 ms): with coarse buckets a quantile over a few seconds of a
		// 10 % canary jumps a whole bucket on two slow requests, and a ratio gate would flap.
		buckets: [0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.045, 0.05, 0.055, 0.06, 0.07, 0.08, 0.09, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2.5, 5],
		registers: [registry],
	});
	const responses = new Counter({
		name: 'http_responses_total',
		help: 'Responses by status code and class, by machine.',
		labelNames: ['instance', 'status', 'status_class'],
		registers: [registry],
	});
	const verified = new Counter({
		name: 'token_verifications_total',
		help: 'Token verifications by result (valid or invalid).',
		labelNames: ['result'],
		registers: [registry],
	});
	// Both results exist from the start, so a window with no invalid token reads 0, not "no series".
	verified.inc({result: 'valid'}, 0);
	verified.inc({result: 'invalid'}, 0);
	const verifications: Array<{ts: number; valid: boolean}> = [];
	new Gauge({
		name: 'rate_token_invalid',
		help: 'Share of token verifications in the last 10 s that found the token invalid, in percent.',
		registers: [registry],
		collect() {
			const since = Date.now() - TOKEN_WINDOW_MS;
			while (verifications.length > 0 && (verifications[0]?.ts ?? 0) < since) verifications.shift();
			const invalid = verifications.filter((entry) => !entry.valid).length;
			// No verifications is no evidence: NaN, which a gate reads as unknown.
			this.set(verifications.length === 0 ? Number.NaN : (100 * invalid) / verifications.length);
		},
	});
	const baseCost = colour === 'blue' ? 0.0041 : 0.0043;
	new Gauge({
		name: 'cost_per_tenant',
		help: 'Infrastructure cost per active tenant and day, in EUR (simulated).',
		registers: [registry],
		collect() {
			this.set(Number((baseCost + Math.random() * 0.0002).toFixed(5)));
		},
	});
	return {
		registry,
		observe: ({instance, method, route, status, seconds}) => {
			duration.observe({instance, method, route, status: String(status)}, seconds);
			responses.inc({instance, status: String(status), status_class: `${Math.floor(status / 100)}xx`});
		},
		tokenVerified: (valid) => {
			verified.inc({result: valid ? 'valid' : 'invalid'});
			verifications.push({ts: Date.now(), valid});
		},
	};
};
