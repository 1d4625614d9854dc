import {describe, expect, it} from 'vitest';
import {classifyRun, drillTable, FAULT_FREE, SEED_RUNBOOK_CATCHES, summarize, type DrillEvent} from '../../source/drill/drill-report.js';

const T0 = 1_000_000;
const event = (seconds: number, fields: Omit<DrillEvent, 'ts'>): DrillEvent => ({ts: T0 + seconds * 1000, ...fields});

const caughtAtP95: DrillEvent[] = [
	event(0, {type: 'run-started'}),
	event(40, {type: 'step-started', phase: 'traffic-switch', step: 'traffic-erhoehen'}),
	event(44, {type: 'gate-sampled', phase: 'traffic-switch', step: 'traffic-erhoehen', metric: 'p95', colour: 'green', verdict: 'unknown', insufficient: true}),
	event(46, {type: 'gate-sampled', phase: 'traffic-switch', step: 'traffic-erhoehen', metric: 'p95', colour: 'green', verdict: 'fail'}),
	event(46.5, {type: 'gate-sampled', phase: 'traffic-switch', step: 'traffic-erhoehen', metric: 'tokenInvalid', colour: 'green', verdict: 'unknown', insufficient: true}),
	event(47, {type: 'step-finished', phase: 'traffic-switch', step: 'traffic-erhoehen', status: 'failed', reason: 'at 10%: p95 44 ms > 1.20× blue (33 ms)'}),
	event(60, {type: 'run-finished', outcome: 'rolled-back'}),
];

describe('drill report', () => {
	it('given a run stopped by a failing gate, then it is caught by that gate (not the last unknown one), timed from the step\'s start', () => {
		expect(classifyRun({scenario: 'green-latency-subtle', exitCode: 1, durationMs: 61_000, events: caughtAtP95})).toMatchObject({
			result: 'caught',
			caughtBy: 'traffic-switch/traffic-erhoehen · p95',
			detectionMs: 7000,
			insufficientSamples: 2,
		});
	});

	it('given a completed run, then it went through; given a run without an end, then it is broken with the reason', () => {
		const completed = [event(0, {type: 'run-started'}), event(80, {type: 'run-finished', outcome: 'completed'})];
		expect(classifyRun({scenario: FAULT_FREE, exitCode: 0, durationMs: 80_000, events: completed}).result).toBe('completed');
		expect(classifyRun({scenario: FAULT_FREE, exitCode: 2, durationMs: 1000, events: [], stderr: 'boom'})).toMatchObject({result: 'broken', problem: 'exit 2, no run-finished event; boom'});
	});

	it('given fault runs stopped by the expected check and by another, then only the expected ones count as detections; fault-free failures are false alarms', () => {
		const runs = [
			classifyRun({scenario: 'green-latency-subtle', exitCode: 1, durationMs: 61_000, events: caughtAtP95}),
			{scenario: 'green-latency-subtle', result: 'caught' as const, durationMs: 30_000, caughtBy: 'smoke/fly-status', detectionMs: 500, insufficientSamples: 0},
			{scenario: FAULT_FREE, result: 'completed' as const, durationMs: 90_000, insufficientSamples: 3},
			{scenario: FAULT_FREE, result: 'caught' as const, durationMs: 50_000, caughtBy: 'smoke/fly-status', detectionMs: 400, insufficientSamples: 0},
		];
		const summaries = summarize(runs, SEED_RUNBOOK_CATCHES);
		expect(summaries).toEqual([
			expect.objectContaining({scenario: 'green-latency-subtle', runs: 2, failed: 1, otherCatch: 1, detectionMedianMs: 7000}),
			expect.objectContaining({scenario: FAULT_FREE, runs: 2, failed: 1, otherCatch: 0, completed: 1}),
		]);
		const table = drillTable(summaries, 20).split('\n');
		expect(table[2]).toBe('| green-latency-subtle | 2 | 1/2 detected (+1 stopped by another check) | 0 | 7.0 s / 7.0 s (≈ 2 min at speed 1) | 45.5 s | traffic-switch/traffic-erhoehen · p95 ×1, smoke/fly-status ×1 |');
		expect(table[3]).toBe('| fault-free | 2 | 1 false alarm | 0 | 0.4 s / 0.4 s (≈ 0 min at speed 1) | 70.0 s | smoke/fly-status ×1 |');
	});

	it('given skewed-share stopped by the share gate of the traffic switch, then it counts as detected there', () => {
		const caughtAtShare: DrillEvent[] = [
			event(0, {type: 'run-started'}),
			event(40, {type: 'step-started', phase: 'traffic-switch', step: 'traffic-erhoehen'}),
			event(44, {type: 'gate-sampled', phase: 'traffic-switch', step: 'traffic-erhoehen', metric: 'p95', colour: 'green', verdict: 'pass'}),
			event(44.1, {type: 'gate-sampled', phase: 'traffic-switch', step: 'traffic-erhoehen', metric: 'greenShare', colour: 'green', verdict: 'fail'}),
			event(45, {type: 'step-finished', phase: 'traffic-switch', step: 'traffic-erhoehen', status: 'failed', reason: 'at 20%: measured 96 % on green, weight 20 % ± 10: greenShare 96 % > 30 %'}),
			event(60, {type: 'run-finished', outcome: 'rolled-back'}),
		];
		const run = classifyRun({scenario: 'skewed-share', exitCode: 1, durationMs: 60_000, events: caughtAtShare});
		expect(run).toMatchObject({result: 'caught', caughtBy: 'traffic-switch/traffic-erhoehen · greenShare', detectionMs: 5000});
		expect(summarize([run], SEED_RUNBOOK_CATCHES)).toEqual([expect.objectContaining({scenario: 'skewed-share', failed: 1, otherCatch: 0})]);
	});
});

