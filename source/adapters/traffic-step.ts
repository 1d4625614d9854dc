import {describeShareMiss, sampledGates, shareGateIndex} from '../engine/share-gate.js';
import {parseDuration} from '../runbook/duration.js';
import type {TrafficStep} from '../runbook/schema.js';
import {substituteArgv, substituteRecord} from '../runbook/template.js';
import {commandFailure} from './command-failure.js';
import {runCommand} from './command-runner.js';
import {pause, sampleGates, samplingPlan} from './metrics/gate-sampler.js';
import type {MetricReader} from './metrics/reading.js';
import {outputTo, type StepExecutor, type StepResult} from './step-context.js';

/** Moves traffic to green weight by weight; after each move the gates must hold through the bake. */
export const createTrafficExecutor =
	(reader: MetricReader): StepExecutor<TrafficStep> =>
	async (context) => {
		const {step, signal} = context;
		const held: number[] = [];
		for (const weight of step.weights) {
			if (signal.aborted) return {status: 'failed', reason: `stopped before ${weight}%`};
			const variables = {...context.variables, weight: String(weight)};
			let argv: string[];
			let env: Record<string, string>;
			try {
				argv = substituteArgv(step.run, variables, context.optionLike);
				env = {...context.env, ...substituteRecord(step.env, variables)};
			} catch (error) {
				return {status: 'failed', reason: `traffic command at ${weight}%: ${(error as Error).message}`};
			}
			context.log(`$ ${argv.join(' ')}`);
			const result = await runCommand({
				argv,
				env,
				timeoutMs: step.timeout ? parseDuration(step.timeout) : undefined,
				signal,
				...outputTo(context),
			});
			if (result.cancelled) return {status: 'failed', exitCode: result.exitCode, reason: `stopped while moving traffic to ${weight}%`};
			const why = commandFailure(result);
			if (why !== undefined) return {status: 'failed', exitCode: result.exitCode, reason: `traffic command failed at ${weight}%: ${why}`};
			context.emit({type: 'traffic-shifted', phase: context.phase, step: step.id, weight});
			const baked = await bake(reader, context, weight);
			if (baked) return baked;
			held.push(weight);
		}
		const last = step.weights.at(-1) ?? 0;
		return {
			status: 'passed',
			reason:
				sampledGates(step).length > 0
					? `${last}% on green; gates held at ${held.join('/')}%`
					: `${last}% on green; no gates to hold`,
		};
	};

/** Observes one weight for the bake time; a result only when it ends the step. */
const bake = async (
	reader: MetricReader,
	context: Parameters<StepExecutor<TrafficStep>>[0],
	weight: number,
): Promise<StepResult | undefined> => {
	const {step, signal} = context;
	const plan = samplingPlan(step.bake, step.interval, context.speed, {weight, maxDuration: step.maxBake});
	if (sampledGates(step).length === 0) {
		await pause(plan.durationMs, signal);
		return signal.aborted ? {status: 'failed', reason: `stopped while baking at ${weight}%`} : undefined;
	}
	const result = await sampleGates(reader, context, plan);
	if (result.status === 'passed') return undefined;
	if (result.status === 'insufficient') return {status: 'unknown', reason: `at ${weight}%: ${result.reason}`};
	if (result.status === 'failed' && step.share && result.gate === shareGateIndex(step)) {
		return {status: 'failed', reason: `at ${weight}%: ${describeShareMiss(step.share, weight, result.value, result.reason)}`};
	}
	return {status: 'failed', reason: `at ${weight}%: ${result.reason}`};
};
