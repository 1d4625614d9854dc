import {createHash} from 'node:crypto';
import {Counter, Histogram, type Registry} from 'prom-client';

// The series Fly's proxy publishes for every app with an HTTP service, as superfly/docs
// monitoring/metrics.html.md ("Built-in metrics", "Proxy series", "Standard Labels") lists them:
// `fly_app_http_responses_count{status}` (a counter, as every `_count` there) and
// `fly_app_http_response_time_seconds{status}` (a histogram), each with the standard labels `app`,
// `region`, `host` (4 lowercase hex characters) and `instance` (the machine id). A production-shaped
// check scrapes these from the sandbox (/fly) into a real Prometheus, so runbook.json's own PromQL
// for --target production runs against series of Fly's names and labels.
//
// Counted is the response the client got, under the app whose machine gave it: a request that a
// replay machine of blue hands on with `fly-replay: app=green` counts once, for green. (Fly's docs
// do not say whether the replaying machine's own answer is counted too; the sandbox assumes not.)
// The time is the machine's Server-Timing `app;dur` when it sends one (the sandbox's modelled service
// time, independent of how busy this host is), else what the proxy measured.

const REGION = 'fra';

/** Fine where the API answers (20–60 ms), as the API's own histogram: a coarse histogram would make the ratio gates flap. */
const BUCKETS = [0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.045, 0.05, 0.055, 0.06, 0.07, 0.08, 0.09, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2.5, 5];

export type FlyProxyMetrics = {
	/** One response the proxy returned: the app and machine that answered, its status, its time. */
	observe: (response: {app: string; machineId: string; status: number; seconds: number}) => void;
};

/** The 4-hex-digit host a machine runs on, stable per machine. */
const hostOf = (machineId: string): string => createHash('sha256').update(machineId).digest('hex').slice(0, 4);

/** Fly's proxy series in a registry; made once per sandbox and shared by its routers, as they share one proxy. */
export const flyProxyMetrics = (registry: Registry): FlyProxyMetrics => {
	const labelNames = ['app', 'region', 'host', 'instance', 'status'] as const;
	const responses = new Counter({
		name: 'fly_app_http_responses_count',
		help: 'HTTP responses the proxy returned from an app, by status.',
		labelNames,
		registers: [registry],
	});
	const time = new Histogram({
		name: 'fly_app_http_response_time_seconds',
		help: 'Time the app took to answer an HTTP request, by status.',
		labelNames,
		buckets: BUCKETS,
		registers: [registry],
	});
	return {
		observe: ({app, machineId, status, seconds}) => {
			const labels = {app, region: REGION, host: hostOf(machineId), instance: machineId, status: String(status)};
			responses.inc(labels);
			time.observe(labels, seconds);
		},
	};
};

/** The duration a W3C Server-Timing header gives for `app` (`app;dur=12.3`), in seconds; undefined without one. */
export const serverTimingSeconds = (header: string | string[] | undefined): number | undefined => {
	const text = Array.isArray(header) ? header.join(',') : header;
	const match = /(?:^|,)\s*app\s*;(?:[^,]*;)?\s*dur=([\d.]+)/.exec(text ?? '');
	return match ? Number(match[1]) / 1000 : undefined;
};
