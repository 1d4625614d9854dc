import type {WatchStep} from '../runbook/schema.js';
import {sampleGates, samplingPlan} from './metrics/gate-sampler.js';
import type {MetricReader} from './metrics/reading.js';
import type {StepExecutor} from './step-context.js';

/** Observes the step's metrics for its duration; passes only when every gate holds at the end. */
export const createWatchExecutor =
	(reader: MetricReader): StepExecutor<WatchStep> =>
	async (context) => {
		const {step} = context;
		const plan = samplingPlan(step.duration, step.interval, context.speed, {maxDuration: step.maxDuration});
		const result = await sampleGates(reader, context, plan);
		switch (result.status) {
			case 'passed':
				return {status: 'passed', reason: `gates held: ${result.evidence}`};
			case 'failed':
				return {status: 'failed', reason: result.reason};
			case 'insufficient':
				// Blocks like an unknown outcome, with the count that is missing: rerun the watch, or decide.
				return {status: 'unknown', reason: result.reason};
			case 'cancelled':
				return {status: 'failed', reason: result.reason};
		}
	};
