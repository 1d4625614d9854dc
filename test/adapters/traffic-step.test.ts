import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createMetricReader} from '../../source/adapters/metrics/metric-reader.js';
import {createTrafficExecutor} from '../../source/adapters/traffic-step.js';
import type {TrafficStep} from '../../source/runbook/schema.js';
import {recordingContext} from './metrics/recording-context.js';
import {eventsOf} from '../../source/adapters/step-context.js';
import {textServerForTests} from './metrics/text-server.js';

// The lever: records the weight it was given, as `fly machine uncordon` would change the router.
const LEVER = [
	"const fs = require('node:fs');",
	'const weight = process.argv[1];',
	"if (weight === process.env.BROKEN_AT) { console.error('no machine left to uncordon'); process.exit(3); }",
	"fs.appendFileSync(process.env.WEIGHTS, weight + '\\n');",
	"console.log('green takes ' + weight + '%');",
].join(' ');

const served = textServerForTests();
let dir: string;
let weightsFile: string;
/** Green's p95 at a given share of traffic: the test decides when green gets slow. */
let latencyAt: (weight: number) => number = () => 100;
/** The share of requests green really served at a weight: the test decides how far the lever is off. */
let shareAt: (weight: number) => number = (weight) => weight;
/** Weights announced by traffic-shifted events so far. */
let shiftedWeights: number[] = [];
/** Reads since the last shift: the requests green has served at this weight, as the source counts them. */
let readsAtWeight = 0;

beforeAll(async () => {
	dir = await mkdtemp(path.join(os.tmpdir(), 'greenlight-traffic-'));
	weightsFile = path.join(dir, 'weights');
	served.server.answer(() => {
		readsAtWeight += 1;
		const weight = shiftedWeights.at(-1) ?? 0;
		return {body: JSON.stringify({p95: latencyAt(weight), share: shareAt(weight), requests: readsAtWeight}), contentType: 'application/json'};
	});
});
afterAll(async () => {
	await rm(dir, {recursive: true, force: true});
});

const shift = async (options: {brokenAt?: string; signal?: AbortSignal; gates?: TrafficStep['gates']; maxBake?: string; counted?: boolean; share?: TrafficStep['share']}) => {
	await writeFile(weightsFile, '');
	shiftedWeights = [];
	const step: TrafficStep = {
		id: 'shift',
		title: 'Traffic schrittweise erhöhen',
		kind: 'traffic',
		weights: [10, 25, 50, 100],
		bake: '2s',
		...(options.maxBake ? {maxBake: options.maxBake} : {}),
		interval: '1s',
		run: [process.execPath, '-e', LEVER, '{{weight}}'],
		env: {WEIGHTS: '{{weightsFile}}', BROKEN_AT: options.brokenAt ?? ''},
		gates: options.gates ?? [{metric: 'p95', max: 300}],
		...(options.share ? {share: options.share} : {}),
	};
	const recorded = recordingContext(step, {
		speed: 10,
		signal: options.signal,
		variables: {weightsFile},
		metrics: {
			p95: {title: 'p95 Latenz', unit: 'ms', green: {type: 'http-json', url: `${served.server.url}/p95`, path: '$.p95', ...(options.counted ? {countPath: '$.requests', counts: 'requests'} : {})}},
			greenShare: {title: 'Anteil Green', unit: '%', green: {type: 'http-json', url: `${served.server.url}/share`, path: '$.share', countPath: '$.requests', counts: 'requests'}},
		},
	});
	// The served latency follows the weight announced last, as green's load would.
	const emit = recorded.context.emit;
	recorded.context.emit = (input) => {
		for (const event of eventsOf(input)) {
			if (event.type !== 'traffic-shifted') continue;
			shiftedWeights.push(event.weight);
			readsAtWeight = 0;
		}
		emit(input);
	};
	const result = await createTrafficExecutor(createMetricReader())(recorded.context);
	const written = (await readFile(weightsFile, 'utf8')).split('\n').filter(Boolean).map(Number);
	return {result, recorded, written};
};

describe('traffic step', () => {
	it('given gates that hold at every weight, then all weights are moved in order and it passes', async () => {
		latencyAt = () => 120;
		const {result, recorded, written} = await shift({});
		expect(result).toEqual({status: 'passed', reason: '100% on green; gates held at 10/25/50/100%'});
		expect(written).toEqual([10, 25, 50, 100]);
		const shifted = recorded.events.filter((event) => event.type === 'traffic-shifted');
		expect(shifted).toEqual([10, 25, 50, 100].map((weight) => ({type: 'traffic-shifted', phase: 'smoke', step: 'shift', weight})));
		// Bake 2 s / 10 = 200 ms, interval floored to 200 ms: two samples per weight, each stamped with it.
		expect(recorded.samples().map((sample) => sample.weight)).toEqual([10, 10, 25, 25, 50, 50, 100, 100]);
		expect(recorded.lines).toContain('green takes 25%');
		expect(recorded.lines).toContain('25% · p95 green 120 ms ✓ ≤ 300 ms');
	});

	it('given green gets slow at 50%, then it stops there naming the weight, value and threshold', async () => {
		latencyAt = (weight) => (weight >= 50 ? 412 : 120);
		const {result, written} = await shift({});
		expect(result).toEqual({status: 'failed', reason: 'at 50%: p95 412 ms > 300 ms'});
		expect(written).toEqual([10, 25, 50]);
	});

	it('given the lever fails at 25%, then it fails with the command\'s last stderr line and moves no further', async () => {
		latencyAt = () => 120;
		const {result, recorded, written} = await shift({brokenAt: '25'});
		expect(result).toEqual({status: 'failed', exitCode: 3, reason: 'traffic command failed at 25%: no machine left to uncordon'});
		expect(written).toEqual([10]);
		expect(recorded.events.filter((event) => event.type === 'traffic-shifted')).toHaveLength(1);
	});

	it('given no gates, then each weight is still baked and the step passes', async () => {
		const started = Date.now();
		const {result, written} = await shift({gates: []});
		expect(result).toEqual({status: 'passed', reason: '100% on green; no gates to hold'});
		expect(written).toEqual([10, 25, 50, 100]);
		expect(Date.now() - started).toBeGreaterThanOrEqual(4 * 190);
	});

	it('given the run is stopped during a bake, then the step ends promptly without moving further', async () => {
		latencyAt = () => 120;
		const controller = new AbortController();
		setTimeout(() => controller.abort(), 100);
		const {result, written} = await shift({signal: controller.signal});
		expect(result.status).toBe('failed');
		expect(written.length).toBeLessThan(4);
	});

	it('given too few requests at a weight when its bake is up, then the weight bakes on until the gate has its evidence, within maxBake', async () => {
		latencyAt = () => 120;
		const {result, recorded} = await shift({gates: [{metric: 'p95', max: 300, minCount: 4}], maxBake: '20s', counted: true});
		expect(result.status).toBe('passed');
		const at10 = recorded.samples().filter((sample) => sample.weight === 10);
		expect(at10.map((sample) => sample.verdict)).toEqual(['unknown', 'unknown', 'unknown', 'pass']);
		expect(at10.slice(2).every((sample) => sample.extended === true)).toBe(true);
		expect(at10[0]?.reason).toBe('insufficient data: 1 requests, need 4');
		expect(recorded.lines.filter((line) => line.includes('waiting for evidence'))[0]).toMatch(/^10% · waiting for evidence \(up to [\d.]+ s longer\): p95 insufficient data: 2 requests, need 4$/);
	});

	it('given a share that follows the weight within the tolerance, then every weight holds and each share sample says it is one, bounded at its weight', async () => {
		latencyAt = () => 120;
		shareAt = (weight) => Math.min(100, weight + 4);
		const {result, recorded} = await shift({share: {metric: 'greenShare', tolerance: 10}});
		expect(result).toEqual({status: 'passed', reason: '100% on green; gates held at 10/25/50/100%'});
		const shares = recorded.samples().filter((sample) => sample.share === true);
		expect(shares.map((sample) => [sample.weight, sample.value, sample.threshold])).toEqual([
			[10, 14, '≤ 20 %'],
			[10, 14, '≤ 20 %'],
			[25, 29, '≥ 15 %, ≤ 35 %'],
			[25, 29, '≥ 15 %, ≤ 35 %'],
			[50, 54, '≥ 40 %, ≤ 60 %'],
			[50, 54, '≥ 40 %, ≤ 60 %'],
			[100, 100, '≥ 90 %'],
			[100, 100, '≥ 90 %'],
		]);
		// The share gate comes after the runbook's own gates: its index is theirs plus one.
		expect(new Set(shares.map((sample) => sample.gate))).toEqual(new Set([1]));
	});

	it('given the lever delivers far more than the weight, then the step fails at that weight naming the measured share beside the weight', async () => {
		latencyAt = () => 120;
		shareAt = (weight) => (weight >= 25 ? 62 : weight);
		const {result, written} = await shift({share: {metric: 'greenShare', tolerance: 10}});
		expect(result).toEqual({status: 'failed', reason: 'at 25%: measured 62 % on green, weight 25 % ± 10: greenShare 62 % > 35 %'});
		expect(written).toEqual([10, 25]);
	});

	it('given a share that cannot be read, then the step fails like any unknown gate, saying the share is unknown', async () => {
		latencyAt = () => 120;
		shareAt = () => Number.NaN;
		const {result, written} = await shift({share: {metric: 'greenShare', tolerance: 10}});
		expect(result.status).toBe('failed');
		expect(result.reason).toMatch(/^at 10%: share on green unknown, weight 10 % ± 10: greenShare unknown: /);
		expect(written).toEqual([10]);
		shareAt = (weight) => weight;
	});

	it('given a share with too few requests for its minCount when the bake is up, then the step\'s outcome is unknown with the count, never failed', async () => {
		latencyAt = () => 120;
		shareAt = (weight) => weight;
		const {result} = await shift({share: {metric: 'greenShare', tolerance: 10, minCount: 1000}});
		expect(result.status).toBe('unknown');
		expect(result.reason).toMatch(/^at 10%: too little evidence: greenShare insufficient data: \d+ requests in [\d.]+ s, need 1000$/);
	});
});
