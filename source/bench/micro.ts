// The micro-benchmarks of `npm run bench`: throughput of the paths that must stay fast (the reducer,
// charts, the journal, redaction, exposition parsing, the log view) and the start-up. Prints numbers,
// asserts nothing; compare runs on the same machine.
import {execFileSync} from 'node:child_process';
import {appendFileSync, mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {openJournal, readJournal} from '../adapters/journal.js';
import {openLogView} from '../adapters/log-view.js';
import {parseExposition} from '../adapters/metrics/exposition.js';
import {createRedactor} from '../adapters/redactor.js';
import type {EngineEvent} from '../engine/events.js';
import {reduce} from '../engine/reduce.js';
import {initialState} from '../engine/state.js';
import {Runbook} from '../runbook/schema.js';
import {plotGateChart} from '../ui/gate-evidence.js';
import {builtCli} from './bench-context.js';

const runbook = Runbook.parse({
	title: 'Bench',
	metrics: {p95: {title: 'p95', unit: 'ms', green: {type: 'command', run: ['true']}, blue: {type: 'command', run: ['true']}}},
	phases: [
		{
			id: 'switch',
			title: 'Switch',
			steps: [{id: 'shift', title: 'Shift', kind: 'traffic', weights: [10, 25, 50, 100], bake: '2m', run: ['shift', '{{weight}}'], gates: [{metric: 'p95', max: 300}]}],
		},
	],
});

const measure = (label: string, unit: string, count: number, work: () => void) => {
	const start = performance.now();
	work();
	const ms = performance.now() - start;
	const rate = (count / ms) * 1000;
	process.stdout.write(`${label.padEnd(44)} ${rate.toFixed(0).padStart(10)} ${unit}/s   (${count} in ${ms.toFixed(1)} ms)\n`);
};

const events = (count: number): EngineEvent[] => {
	const list: EngineEvent[] = [
		{type: 'run-started', ts: 0, title: 'Bench', runbookFile: 'r.json', target: 't', operator: 'o', session: 's', variables: {}, secretVariables: []},
		{type: 'step-started', ts: 1, phase: 'switch', step: 'shift', attempt: 1},
	];
	for (let index = 0; index < count; index++) {
		list.push(
			index % 3 === 0
				? {type: 'step-output', ts: index, phase: 'switch', step: 'shift', lines: [`line ${index}`, `line ${index + 1}`]}
				: {type: 'gate-sampled', ts: index, phase: 'switch', step: 'shift', gate: 0, metric: 'p95', colour: index % 3 === 1 ? 'green' : 'blue', value: 200 + (index % 50), verdict: 'pass', threshold: '≤ 300 ms'},
		);
	}
	return list;
};

const benchReducer = () => {
	const list = events(50_000);
	measure('engine: fold events into state', 'events', list.length, () => {
		list.reduce(reduce, initialState(runbook));
	});
};

const benchChart = () => {
	const state = events(400).reduce(reduce, initialState(runbook));
	const gate = state.phases[0]!.steps[0]!.gates[0]!;
	const rounds = 500;
	measure('ui: plot a gate chart (120 points, 60×8)', 'charts', rounds, () => {
		for (let index = 0; index < rounds; index++) {
			plotGateChart({green: gate.green, blue: gate.blue, gate: gate.gate, height: 8, width: 60, colour: false});
		}
	});
};

const benchJournal = () => {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'gl-bench-'));
	const file = path.join(dir, 'journal.ndjson');
	const list = events(2_000);
	const journal = openJournal(file);
	measure('journal: append + fsync', 'events', list.length, () => {
		for (const event of list) journal.append(event);
	});
	journal.close();
	measure('journal: read and verify the hash chain', 'events', list.length, () => {
		readJournal(file);
	});
	rmSync(dir, {recursive: true, force: true});
};

const benchRedaction = () => {
	const redactor = createRedactor(['s3cr3t-token-value', 'another-secret']);
	const line = 'GET /v1/rewards 200 Authorization: Bearer abc.def.ghi token=s3cr3t-token-value elapsed 12ms';
	const rounds = 50_000;
	measure('redactor: redact an output line', 'lines', rounds, () => {
		for (let index = 0; index < rounds; index++) redactor.redact(line);
	});
};

const benchExposition = () => {
	const lines: string[] = ['# TYPE http_request_duration_seconds histogram'];
	for (const instance of ['m1', 'm2', 'm3', 'm4']) {
		for (const route of ['/health', '/v1/rewards', '/v1/tokens/verify', '/v1/tenants/{id}/points']) {
			for (const le of ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '+Inf']) {
				lines.push(`http_request_duration_seconds_bucket{instance="${instance}",route="${route}",le="${le}"} ${Math.floor(Math.random() * 1000)}`);
			}
		}
	}
	// A node_exporter-sized page around the same histogram: 3,000 lines no source reads, each still checked.
	const others: string[] = [];
	for (let family = 0; family < 150; family++) {
		others.push(`# HELP node_metric_${family} A metric of the host.`, `# TYPE node_metric_${family} gauge`);
		for (let device = 0; device < 18; device++) others.push(`node_metric_${family}{device="sda${device}",cpu="${device}"} ${Math.random() * 1e6}`);
	}
	const rounds = 200;
	for (const text of [`${lines.join('\n')}\n`, `${[...lines, ...others].join('\n')}\n`]) {
		const count = text.split('\n').length - 1;
		// Warmed first, as a watch is after its first scrapes: the same series come back every second.
		const scrape = () => {
			const parsed = parseExposition(text);
			if (!parsed.ok || parsed.exposition.samples('http_request_duration_seconds_bucket').length !== 176) throw new Error('the bench exposition did not read');
		};
		for (let index = 0; index < 100; index++) scrape();
		measure(`metrics: scrape an exposition (${count} lines)`, 'scrapes', rounds, () => {
			for (let index = 0; index < rounds; index++) scrape();
		});
	}
};

const benchLogView = () => {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'gl-bench-log-'));
	const file = path.join(dir, 'smoke.deploy.log');
	const lines = 1_000_000;
	for (let from = 0; from < lines; from += 50_000) {
		const piece = Array.from({length: 50_000}, (_, index) => `${from + index} machine 3d8d0000001ef0: health check passing (${(from + index) % 97} ms)`);
		appendFileSync(file, `${piece.join('\n')}\n`);
	}
	const before = process.memoryUsage().rss;
	const start = performance.now();
	// What the detail view does: index the whole file, then read the window at its end.
	const view = openLogView(file);
	view.index();
	view.lines(view.lineCount() - 20, 20);
	const ms = performance.now() - start;
	const rss = process.memoryUsage().rss;
	const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
	process.stdout.write(`${'log view: open 1M lines (first screen)'.padEnd(44)} ${ms.toFixed(0).padStart(10)} ms        (RSS ${mb(rss)} MB, +${mb(Math.max(0, rss - before))} MB)\n`);
	const searchStart = performance.now();
	view.search('no such text', {from: 0});
	process.stdout.write(`${'log view: search 1M lines (no match)'.padEnd(44)} ${(performance.now() - searchStart).toFixed(0).padStart(10)} ms\n`);
	view.close();
	rmSync(dir, {recursive: true, force: true});
};

const benchStartup = () => {
	const cli = builtCli();
	const rounds = 5;
	const start = performance.now();
	for (let index = 0; index < rounds; index++) execFileSync(process.execPath, [cli, '--help'], {stdio: 'ignore'});
	const ms = (performance.now() - start) / rounds;
	process.stdout.write(`${'cli: start-up (greenlight --help)'.padEnd(44)} ${ms.toFixed(0).padStart(10)} ms each (${rounds} runs)\n`);
};

export const runMicroBenchmarks = (): void => {
	benchReducer();
	benchChart();
	benchJournal();
	benchRedaction();
	benchExposition();
	benchLogView();
	benchStartup();
};
