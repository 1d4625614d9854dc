import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {performance} from 'node:perf_hooks';
import type {RunbookInput} from '../../runbook/schema.js';
import {inGreenlight, type BenchContext, type BenchRow} from '../bench-context.js';
import {figure, judgeRow} from '../figures.js';
import {CPU_WINDOWS, cpuMs, cpuShares} from '../process-stats.js';

// A watch of 4 metrics sampled every second from a scrape source on a local endpoint (served by
// the bench, so its work is not counted): greenlight's CPU use once the first samples are in, and
// the same watch's average from its first frame on screen, its warm-up included (the first seconds
// cost the most: V8 compiles the code that draws and reads once a second).

const TITLE = 'Watch four metrics';
const WINDOW_MS = 4000;
const INSTANCES = ['m1', 'm2', 'm3', 'm4'];
const ROUTES = ['/health', '/v1/rewards', '/v1/tokens/verify', '/v1/tenants/{id}/points'];
const BOUNDS = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '+Inf'];

/** An API's exposition, as a Prometheus client library writes it, its counters growing on every read. */
const startExposition = async (): Promise<{url: string; server: Server}> => {
	let reads = 0;
	const server = createServer((_request, response) => {
		reads++;
		const lines = ['# TYPE http_request_duration_seconds histogram'];
		for (const instance of INSTANCES) {
			for (const route of ROUTES) {
				BOUNDS.forEach((le, index) => {
					const count = Math.round(reads * 40 * Math.min(1, (index + 1) / 6));
					lines.push(`http_request_duration_seconds_bucket{instance="${instance}",route="${route}",le="${le}"} ${count}`);
				});
				lines.push(`http_request_duration_seconds_count{instance="${instance}",route="${route}"} ${reads * 40}`);
			}
		}
		lines.push('# TYPE http_responses_total counter');
		for (const instance of INSTANCES) {
			lines.push(`http_responses_total{instance="${instance}",status_class="2xx"} ${reads * 160}`, `http_responses_total{instance="${instance}",status_class="5xx"} ${reads}`);
		}
		lines.push('# TYPE cost_per_tenant gauge', 'cost_per_tenant 0.42');
		response.writeHead(200, {'content-type': 'text/plain; version=0.0.4'});
		response.end(`${lines.join('\n')}\n`);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`, server};
};

type ScrapeInput = Extract<NonNullable<RunbookInput['metrics']>[string]['green'], {type: 'scrape'}>;

const watchRunbook = (url: string): RunbookInput => {
	const scrape = (source: Omit<ScrapeInput, 'type' | 'url' | 'window'>) => ({green: {type: 'scrape' as const, url, window: '10s', ...source}});
	return {
		title: 'Bench: watch',
		metrics: {
			p50: {title: 'p50', unit: 'ms', ...scrape({metric: 'http_request_duration_seconds', aggregate: 'quantile', quantile: 0.5, scale: 1000})},
			p95: {title: 'p95', unit: 'ms', ...scrape({metric: 'http_request_duration_seconds', aggregate: 'quantile', quantile: 0.95, scale: 1000})},
			errors: {title: 'errors', unit: '%', ...scrape({metric: 'http_responses_total', aggregate: 'ratio', ratioOf: {labels: {status_class: '5xx'}}, scale: 100})},
			cost: {title: 'cost', ...scrape({metric: 'cost_per_tenant', aggregate: 'gauge'})},
		},
		phases: [
			{
				id: 'watch',
				title: 'Watch',
				steps: [
					{
						id: 'metrics',
						title: TITLE,
						kind: 'watch',
						duration: '1h',
						interval: '1s',
						gates: [
							{metric: 'p50', max: 10_000},
							{metric: 'p95', max: 10_000},
							{metric: 'errors', max: 5},
							{metric: 'cost', max: 1},
						],
					},
				],
			},
		],
	};
};

export const measureWatchCpu = async (context: BenchContext) => {
	const endpoint = await startExposition();
	const {shares, fromFirstFrame} = await inGreenlight(context, watchRunbook(endpoint.url), async (pane) => {
		await pane.waitFor((screen) => screen.includes(TITLE), {timeoutMs: 60_000, pollMs: 50});
		const atFrame = {cpu: cpuMs(pane.pid), wall: performance.now()};
		// The windows start once every gate has a verdict: the watch is in its steady state from then on.
		await pane.waitFor((screen) => (screen.match(/✓ pass/g) ?? []).length >= 4, {timeoutMs: 60_000, pollMs: 100});
		const windows = await cpuShares(pane.pid, context.runs ?? CPU_WINDOWS, WINDOW_MS);
		return {shares: windows, fromFirstFrame: ((cpuMs(pane.pid) - atFrame.cpu) / (performance.now() - atFrame.wall)) * 100};
	}).finally(() => endpoint.server.close());
	const target = {kind: 'value', max: 3, unit: '% of a core'} as const;
	return [
		judgeRow({
			id: 'watch-cpu',
			what: 'a watch of 4 metrics sampled every second (scrape source, local endpoint)',
			greenlight: figure(shares, '% of a core'),
			target,
		}),
		judgeRow({
			id: 'watch-cpu-from-start',
			what: 'the same watch from its first frame, warm-up included (one average)',
			greenlight: figure([fromFirstFrame], '% of a core'),
			target,
		}),
	];
};

export const watchCpuRow: BenchRow = {id: 'watch-cpu', measure: measureWatchCpu};
