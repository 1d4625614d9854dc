import path from 'node:path';
import {parseDuration} from '../runbook/duration.js';
import type {WatchStep} from '../runbook/schema.js';
import {substitute, substituteRecord} from '../runbook/template.js';
import {startSyntheticLoad, type LoadStart, type SyntheticLoadOptions} from './load/synthetic-load.js';
import {sampleGates, samplingPlan, type SamplingResult} from './metrics/gate-sampler.js';
import type {MetricReader} from './metrics/reading.js';
import type {StepContext, StepExecutor, StepResult} from './step-context.js';

export type StartLoad = (options: SyntheticLoadOptions) => Promise<LoadStart>;

const outcome = (result: SamplingResult): StepResult => {
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

/** The watch's load with its {{variables}} filled in and its file found from the runbook's folder. */
const loadOptions = (context: StepContext<WatchStep>, maxDurationMs: number): SyntheticLoadOptions | {error: string} => {
	const load = context.step.load;
	if (!load) return {error: 'no load'};
	try {
		const openapi = substitute(load.openapi, context.variables);
		return {
			url: substitute(load.url, context.variables),
			openapi: path.resolve(context.runbookDir, openapi),
			rate: load.rate,
			...(load.connections === undefined ? {} : {connections: load.connections}),
			...(load.operations === undefined ? {} : {operations: load.operations}),
			...(load.bodies === undefined ? {} : {bodies: substituteRecord(load.bodies, context.variables)}),
			...(load.timeout === undefined ? {} : {timeoutMs: parseDuration(load.timeout)}),
			maxDurationMs,
			log: (line) => context.log(line),
		};
	} catch (error) {
		return {error: `load: ${(error as Error).message}`};
	}
};

/**
 * Observes the step's metrics for its duration; passes only when every gate holds at the end. A
 * watch with a `load` drives it for the whole observation, which starts once the load runs.
 */
export const createWatchExecutor =
	(reader: MetricReader, startLoad: StartLoad = startSyntheticLoad): StepExecutor<WatchStep> =>
	async (context) => {
		const {step} = context;
		const plan = samplingPlan(step.duration, step.interval, context.speed, {maxDuration: step.maxDuration});
		if (!step.load) return outcome(await sampleGates(reader, context, plan));
		const options = loadOptions(context, plan.maxDurationMs);
		if ('error' in options) return {status: 'failed', reason: options.error};
		const started = await startLoad(options);
		if (!started.ok) return {status: 'failed', reason: started.reason};
		try {
			if (context.signal.aborted) return {status: 'failed', reason: 'stopped while the load started'};
			return outcome(await sampleGates(reader, context, plan, started.load));
		} finally {
			await started.load.stop();
		}
	};
