import path from 'node:path';
import type {MetricSource} from '../../runbook/schema.js';
import {substituteArgv, substituteRecord} from '../../runbook/template.js';
import {lastLine} from '../command-failure.js';
import {runCommand} from '../command-runner.js';
import {describeWait, finiteReading, sourceTimeoutMs, unknown, type MetricReadContext, type MetricReading} from './reading.js';

export type CommandSource = Extract<MetricSource, {type: 'command'}>;

const numberPattern = /[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?/g;

/** The last number a command prints on stdout. */
export const readCommand = async (source: CommandSource, context: MetricReadContext): Promise<MetricReading> => {
	const argv = substituteArgv(source.run, context.variables, context.optionLike);
	const timeoutMs = sourceTimeoutMs(source);
	const result = await runCommand({
		argv,
		env: {...context.env, ...substituteRecord(source.env, context.variables)},
		timeoutMs,
		signal: context.signal,
	});
	const program = path.basename(argv[0] ?? 'command');
	if (result.cancelled) return unknown('cancelled');
	if (result.timedOut) return unknown(`${program} gave no number within ${describeWait(timeoutMs)}`);
	if (result.error) return unknown(`${program}: ${result.error}`);
	if (result.exitCode !== 0) {
		const why = lastLine(result.stderr);
		return unknown(`${program} exited ${result.exitCode ?? 'by a signal'}${why ? `: ${why}` : ''}`);
	}
	const last = result.stdout.match(numberPattern)?.at(-1);
	if (last === undefined) return unknown(`${program} printed no number`);
	return finiteReading(Number(last), program);
};
