import path from 'node:path';
import {parseDuration} from '../runbook/duration.js';
import type {CommandStep} from '../runbook/schema.js';
import {substitute, substituteArgv, substituteRecord} from '../runbook/template.js';
import {captureAll, outputPattern, passedWith} from './capture.js';
import {runCommand, type CommandOutcome, type CommandSpec} from './command-runner.js';
import {lastLine} from './metrics/command-source.js';
import type {StepExecutor, StepResult} from './step-context.js';

export const DEFAULT_COMMAND_TIMEOUT = '10m';

/** An argv as a person would type it, for the log: elements with spaces or quotes shown quoted. */
export const displayArgv = (argv: readonly string[]): string =>
	argv.map((element) => (/^[\w@%+=:,./-]+$/.test(element) ? element : JSON.stringify(element))).join(' ');

const prepare = (context: Parameters<StepExecutor<CommandStep>>[0]): CommandSpec => {
	const {step, variables} = context;
	return {
		argv: substituteArgv(step.run, variables),
		shell: step.shell,
		env: {...context.env, ...substituteRecord(step.env, variables)},
		cwd: path.resolve(context.runbookDir, step.cwd === undefined ? '.' : substitute(step.cwd, variables)),
		stdin: step.stdin === undefined ? undefined : substitute(step.stdin, variables),
	};
};

/** Judges a finished command against the step's expectations and takes its captures. */
export const judgeCommand = (step: CommandStep, outcome: CommandOutcome): StepResult => {
	const {exitCode} = outcome;
	const timeout = step.timeout ?? DEFAULT_COMMAND_TIMEOUT;
	if (outcome.error) return {status: 'failed', exitCode, reason: outcome.error};
	if (outcome.cancelled) return {status: 'failed', exitCode, reason: 'cancelled'};
	if (outcome.timedOut) return {status: 'failed', exitCode, reason: `timed out after ${timeout} (process tree killed)`};
	const expectedCode = step.expect?.exitCode ?? 0;
	if (exitCode !== expectedCode) {
		const ended =
			exitCode === null
				? `killed by ${outcome.signal ?? 'a signal'} (expected exit code ${expectedCode})`
				: `exit code ${exitCode} (expected ${expectedCode})`;
		const evidence = lastLine(outcome.stderr) || lastLine(outcome.stdout);
		return {status: 'failed', exitCode, reason: evidence ? `${ended}: ${evidence}` : ended};
	}
	const evidence = [`exit code ${exitCode}`];
	if (step.expect?.stdout !== undefined) {
		if (!outputPattern(step.expect.stdout).test(outcome.stdout)) {
			return {status: 'failed', exitCode, reason: `stdout did not match /${step.expect.stdout}/`};
		}
		evidence.push(`stdout matched /${step.expect.stdout}/`);
	}
	const captures = captureAll(step.capture, outcome.stdout);
	if (!captures.ok) return {status: 'failed', exitCode, reason: captures.reason};
	return {...passedWith(evidence, captures.captured), exitCode};
};

/** Runs a command step: substitutes its variables per argv element, streams its lines to the log, judges the result. */
export const executeCommandStep: StepExecutor<CommandStep> = async (context) => {
	const {step} = context;
	let spec: CommandSpec;
	try {
		spec = prepare(context);
	} catch (error) {
		// MissingVariableError says "variable {{x}} has no value", which is what a person needs.
		return {status: 'failed', reason: (error as Error).message};
	}
	context.log(`$ ${displayArgv(spec.argv)}`);
	const outcome = await runCommand({
		...spec,
		timeoutMs: parseDuration(step.timeout ?? DEFAULT_COMMAND_TIMEOUT),
		signal: context.signal,
		onLine: (line) => context.log(line),
	});
	return judgeCommand(step, outcome);
};
