import {executeCommandStep} from '../adapters/command-step.js';
import {executeHttpStep} from '../adapters/http-step.js';
import type {MetricReader} from '../adapters/metrics/reading.js';
import {createTrafficExecutor} from '../adapters/traffic-step.js';
import {createWatchExecutor} from '../adapters/watch-step.js';
import type {Executors} from './step-run.js';

/** How each kind of step runs; manual and link steps are ticked, export steps written by the run loop. */
export const stepExecutors = (reader: MetricReader) =>
	({
		command: executeCommandStep,
		http: executeHttpStep,
		watch: createWatchExecutor(reader),
		traffic: createTrafficExecutor(reader),
	}) satisfies Executors;
