import type {EngineEvent, GateSampled} from '../../../source/engine/events.js';

// A release as the journal records it: three phases (the last a pair phase), gates on p95 and
// errors, a break-glass override, a note, then a rollback.

const T0 = Date.UTC(2026, 10, 26, 22, 10, 0);
const at = (seconds: number) => T0 + seconds * 1000;

const sample = (seconds: number, phase: string, step: string, gate: number, metric: string, colour: 'green' | 'blue', value: number | null, extra: Partial<GateSampled> = {}): GateSampled => ({
	type: 'gate-sampled',
	ts: at(seconds),
	phase,
	step,
	gate,
	metric,
	colour,
	value,
	verdict: colour === 'green' ? 'pass' : 'unknown',
	...extra,
});

export const releaseEvents = (secret = 'no-secret-here'): EngineEvent[] => [
	{
		type: 'run-started',
		ts: at(0),
		title: 'Blue-Green Rollout (Fly.io EU)',
		runbookFile: '/repo/runbook.json',
		target: 'production',
		operator: 'alice',
		session: '2026-11-26T23-10-00-ab12',
		variables: {version: '1.4.0', greenApp: 'lokaltreu-api-green', flyToken: '«redacted»'},
		secretVariables: ['flyToken'],
	},
	{type: 'operator-joined', ts: at(5), operator: 'bob'},
	{type: 'step-started', ts: at(10), phase: 'prep', step: 'deploy', attempt: 1},
	{type: 'step-output', ts: at(20), phase: 'prep', step: 'deploy', lines: ['deploying image registry.fly.io/api:1.4.0', `using token ${secret}`]},
	{type: 'step-finished', ts: at(70), phase: 'prep', step: 'deploy', status: 'passed', exitCode: 0, durationMs: 60_000, captured: {greenImage: 'registry.fly.io/api:1.4.0'}},
	{type: 'phase-confirmed', ts: at(90), phase: 'prep', operator: 'alice'},
	{type: 'step-started', ts: at(95), phase: 'smoke', step: 'observe', attempt: 1},
	sample(100, 'smoke', 'observe', 0, 'p95', 'blue', 168),
	sample(100, 'smoke', 'observe', 0, 'p95', 'green', 175, {threshold: '≤ 300 ms, ≤ 1.2× blue'}),
	sample(110, 'smoke', 'observe', 1, 'errors', 'green', 0.4, {threshold: '≤ 1 %'}),
	sample(120, 'smoke', 'observe', 0, 'p95', 'blue', 170),
	sample(120, 'smoke', 'observe', 0, 'p95', 'green', 182, {threshold: '≤ 300 ms, ≤ 1.2× blue'}),
	sample(130, 'smoke', 'observe', 1, 'errors', 'green', null, {threshold: '≤ 1 %', verdict: 'unknown', reason: 'no value for errors'}),
	sample(140, 'smoke', 'observe', 1, 'errors', 'green', 0.5, {threshold: '≤ 1 %'}),
	{type: 'step-finished', ts: at(150), phase: 'smoke', step: 'observe', status: 'passed', durationMs: 55_000},
	{type: 'step-started', ts: at(151), phase: 'smoke', step: 'contract', attempt: 1},
	{type: 'step-finished', ts: at(160), phase: 'smoke', step: 'contract', status: 'failed', exitCode: 1, durationMs: 9_000, reason: 'prism: 2 violations'},
	{type: 'override-given', ts: at(170), phase: 'smoke', step: 'contract', reason: 'known false positive in /health schema, ticket OPS-17', operator: 'alice'},
	{type: 'phase-confirmed', ts: at(180), phase: 'smoke', operator: 'alice'},
	{type: 'step-started', ts: at(181), phase: 'switch', step: 'shift', attempt: 1},
	{type: 'traffic-shifted', ts: at(182), phase: 'switch', step: 'shift', weight: 10},
	sample(200, 'switch', 'shift', 0, 'p95', 'green', 420, {threshold: '≤ 300 ms', verdict: 'fail', reason: 'p95 420 ms > 300 ms', weight: 10}),
	{type: 'note-added', ts: at(205), text: `p95 jumps at 10 %, rolling back (${secret})`, operator: 'bob'},
	{type: 'rollback-started', ts: at(210), operator: 'bob', reason: 'p95 regression on green'},
	{type: 'step-started', ts: at(211), phase: 'rollback', step: 'uncordon-blue', attempt: 1},
	{type: 'step-finished', ts: at(220), phase: 'rollback', step: 'uncordon-blue', status: 'passed', exitCode: 0, durationMs: 9_000},
	{type: 'run-finished', ts: at(230), outcome: 'rolled-back'},
];

/** A calm release: every phase confirmed, nothing overridden, no rollback. */
export const calmRelease = (): EngineEvent[] => [
	...releaseEvents().filter((event) => event.ts <= at(160) && event.type !== 'step-finished' && event.type !== 'step-output'),
	{type: 'phase-confirmed', ts: at(180), phase: 'smoke', operator: 'alice'},
	{type: 'phase-confirmed', ts: at(300), phase: 'switch', operator: 'alice'},
	{type: 'phase-confirmed', ts: at(310), phase: 'switch', operator: 'bob'},
	{type: 'run-finished', ts: at(320), outcome: 'completed'},
];

/**
 * A traffic switch whose p95 gate failed at 25 % and held on the operator's retry, with a bake that
 * waited for evidence: the story the record must tell in order.
 */
export const retriedRelease = (): EngineEvent[] => {
	const base = releaseEvents().slice(0, 2);
	const p95 = (seconds: number, value: number, extra: Partial<GateSampled> = {}) =>
		sample(seconds, 'switch', 'shift', 0, 'p95', 'green', value, {threshold: '≤ 300 ms, ≤ 1.5× blue', count: 64, ...extra});
	return [
		...base,
		{type: 'step-started', ts: at(100), phase: 'switch', step: 'shift', attempt: 1},
		{type: 'traffic-shifted', ts: at(101), phase: 'switch', step: 'shift', weight: 25},
		sample(105, 'switch', 'shift', 0, 'p95', 'blue', 32.3, {verdict: 'pass', count: 190}),
		p95(105, 80.9, {
			verdict: 'fail',
			weight: 25,
			reason: 'p95 80.9 ms > 1.5× blue (32.3 ms): green p95 +150.5 % vs blue, significant at 99 %',
			comparison: {test: 'mann-whitney', ratio: 2.505, confidence: 0.99, pValue: 0.0004, significant: true},
		}),
		{type: 'step-finished', ts: at(106), phase: 'switch', step: 'shift', status: 'failed', durationMs: 6000, reason: 'at 25%: p95 80.9 ms > 1.5× blue (32.3 ms): green p95 +150.5 % vs blue, significant at 99 %'},
		{type: 'step-started', ts: at(120), phase: 'switch', step: 'shift', attempt: 2},
		{type: 'traffic-shifted', ts: at(121), phase: 'switch', step: 'shift', weight: 25},
		p95(122, 33.1, {verdict: 'unknown', weight: 25, insufficient: true, count: 12, needed: 50, reason: 'insufficient data: 12 requests in 1 s, need 50'}),
		p95(127, 33.4, {verdict: 'unknown', weight: 25, insufficient: true, extended: true, count: 41, needed: 50, reason: 'insufficient data: 41 requests in 6 s, need 50'}),
		sample(129, 'switch', 'shift', 0, 'p95', 'blue', 32.8, {verdict: 'pass', count: 230}),
		p95(129, 33.9, {
			verdict: 'pass',
			weight: 25,
			extended: true,
			count: 55,
			needed: 50,
			comparison: {test: 'mann-whitney', ratio: 1.034, confidence: 0.99, pValue: 0.31, significant: false},
		}),
		{type: 'step-finished', ts: at(130), phase: 'switch', step: 'shift', status: 'passed', durationMs: 10_000, reason: '25% on green; gates held at 25%'},
		{type: 'phase-confirmed', ts: at(140), phase: 'switch', operator: 'alice'},
		{type: 'run-finished', ts: at(141), outcome: 'completed'},
	];
};
