import path from 'node:path';
import {parseDuration} from '../runbook/duration.js';
import type {CommandStep} from '../runbook/schema.js';
import {substitute, substituteArgv, substituteRecord} from '../runbook/template.js';
import {captureAll, captureFailureWithoutOutput, checkJsonExpectations, describeJsonExpectations, matchOutput, passedWith} from './capture.js';
import {lastLine} from './command-failure.js';
import {runCommand, type CommandOutcome, type CommandSpec} from './command-runner.js';
import {failureReason, outputTo, type StepExecutor, type StepResult} from './step-context.js';

export const DEFAULT_COMMAND_TIMEOUT = '10m';

/** An argv as a person would type it, for the log: elements with spaces or quotes shown quoted. */
export const displayArgv = (argv: readonly string[]): string =>
	argv.map((element) => (/^[\w@%+=:,./-]+$/.test(element) ? element : JSON.stringify(element))).join(' ');

const prepare = (context: Parameters<StepExecutor<CommandStep>>[0]): CommandSpec => {
	const {step, variables} = context;
	return {
		argv: substituteArgv(step.run, variables, context.optionLike),
		shell: step.shell,
		env: {...context.env, ...substituteRecord(step.env, variables)},
		cwd: path.resolve(context.runbookDir, step.cwd === undefined ? '.' : substitute(step.cwd, variables)),
		stdin: step.stdin === undefined ? undefined : substitute(step.stdin, variables),
	};
};

/**
 * Judges a finished command against the step's expectations and takes its captures. A secret
 * step's reason names what failed, never a line of what the command printed.
 */
export const judgeCommand = async (step: CommandStep, outcome: CommandOutcome): Promise<StepResult> => {
	const {exitCode} = outcome;
	const timeout = step.timeout ?? DEFAULT_COMMAND_TIMEOUT;
	const failed = (reason: string): StepResult => ({status: 'failed', exitCode, reason: failureReason(step, reason)});
	if (outcome.error) return {status: 'failed', exitCode, reason: outcome.error};
	if (outcome.cancelled) return {status: 'failed', exitCode, reason: 'cancelled'};
	if (outcome.timedOut) return failed(`timed out after ${timeout} (process tree killed)`);
	const expectedCode = step.expect?.exitCode ?? 0;
	if (exitCode !== expectedCode) {
		const ended =
			exitCode === null
				? `killed by ${outcome.signal ?? 'a signal'} (expected exit code ${expectedCode})`
				: `exit code ${exitCode} (expected ${expectedCode})`;
		if (step.secret) return failed(ended);
		const evidence = lastLine(outcome.stderr) || lastLine(outcome.stdout);
		return failed(evidence ? `${ended}: ${evidence}` : ended);
	}
	const evidence = [`exit code ${exitCode}`];
	if (step.expect?.stdout !== undefined) {
		const answer = await matchOutput(step.expect.stdout, outcome.stdout);
		if (!answer.ok) return failed(answer.reason);
		if (!answer.match) return failed(`stdout did not match /${step.expect.stdout}/`);
		evidence.push(`stdout matched /${step.expect.stdout}/`);
	}
	if (step.expect?.json) {
		const problem = await checkJsonExpectations(step.expect.json, outcome.stdout, 'stdout', step.secret);
		if (problem) return failed(problem);
		evidence.push(describeJsonExpectations(step.expect.json));
	}
	const captures = await captureAll(step.capture, outcome.stdout);
	if (!captures.ok) return failed(step.secret ? await captureFailureWithoutOutput(step.capture, outcome.stdout) : captures.reason);
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
		...outputTo(context),
	});
	return judgeCommand(step, outcome);
};
