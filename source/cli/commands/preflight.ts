import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {createMetricReader} from '../../adapters/metrics/metric-reader.js';
import {checkLine, type PreflightCheck} from '../../adapters/preflight/preflight-check.js';
import {planPreflight} from '../../adapters/preflight/preflight-plan.js';
import {probeRunbook, type ProbeInput} from '../../adapters/preflight/probe-runbook.js';
import {checkVariables} from '../../adapters/preflight/variables-check.js';
import {createRedactor} from '../../adapters/redactor.js';
import {printable} from '../../engine/printable.js';
import {formatProblem, loadRunbook} from '../../runbook/load.js';
import {resolveEnv, resolveMetrics, resolveVariables} from '../../runbook/resolve.js';
import type {Sandbox} from '../../sandbox/sandbox.js';
import {EXIT, parse, parseVars, REHEARSAL_SPEED, REHEARSAL_TARGET, UsageError} from '../usage.js';

// `greenlight preflight [FILE] [--target T] [--var k=v]…`: before a release, checks without
// changing anything that the run will find what it needs — every variable, the files and programs
// its steps use, Fly's login and both apps, and every metric source answering — one line per check,
// exit 0 only when all pass. It never runs a step of the runbook; see adapters/preflight/.

export type PreflightOptions = {
	file: string;
	target?: string;
	vars: Record<string, string>;
	/** The rehearsal target: a sandbox started in a folder of its own, stopped at the end. */
	sandbox?: (sessionDir: string) => Promise<Sandbox>;
	/** Where the check lines go. */
	write: (line: string) => void;
	/** Where notes about the sandbox go; standard error by default. */
	say?: (text: string) => void;
};

const sayOnStderr = (text: string) => process.stderr.write(`greenlight: ${text}\n`);

/** Runs every check of a runbook for a target and prints one line per check; 0 when all passed, 1 when one failed. */
export const runPreflight = async (options: PreflightOptions): Promise<number> => {
	const loaded = await loadRunbook(options.file);
	if (!loaded.ok) {
		for (const problem of loaded.problems) process.stderr.write(`${formatProblem(problem)}\n`);
		return EXIT.usage;
	}
	const {runbook, dir} = loaded.loaded;
	const targetNames = Object.keys(runbook.targets);
	const target = options.target ?? (targetNames.includes('production') ? 'production' : '');
	if (target && !runbook.targets[target]) {
		throw new UsageError(`unknown target "${target}"; the runbook defines: ${targetNames.join(', ') || 'no targets'}`);
	}

	const say = options.say ?? sayOnStderr;
	const controller = new AbortController();
	const onSignal = () => controller.abort();
	process.once('SIGINT', onSignal);
	process.once('SIGTERM', onSignal);
	let sandbox: Sandbox | undefined;
	let sandboxDir: string | undefined;
	try {
		if (options.sandbox) {
			sandboxDir = mkdtempSync(path.join(os.tmpdir(), 'greenlight-preflight-'));
			say('starting the rehearsal sandbox…');
			sandbox = await options.sandbox(sandboxDir);
			say(sandbox.describe());
		}
		const resolved = resolveVariables(runbook, target, {cli: options.vars, env: process.env, runtime: sandbox?.variables});
		const env = resolveEnv(runbook, target, process.env, sandbox?.env);
		const plan = planPreflight(runbook, resolveMetrics(runbook, target), resolved.values, dir);
		const secrets = [...resolved.secretNames.map((name) => resolved.values[name]), ...plan.tokens.map(({name}) => env[name])];
		const redactor = createRedactor(secrets.filter((value): value is string => Boolean(value?.trim())));

		let count = 0;
		let failures = 0;
		const print = (check: PreflightCheck) => {
			if (check.status !== 'skipped') count += 1;
			if (check.status === 'failed') failures += 1;
			options.write(printable(redactor.redactText(checkLine(check))));
		};
		options.write(`preflight of ${loaded.loaded.shownAs}${target ? `, target ${target}` : ''}: read-only probes, no step of the runbook is run`);
		for (const check of checkVariables(runbook, resolved, plan, process.env)) print(check);
		const probes: ProbeInput = {plan, env, values: resolved.values, runbookDir: dir, reader: createMetricReader(), signal: controller.signal};
		for await (const check of probeRunbook(probes)) {
			if (controller.signal.aborted) break;
			print(check);
		}
		if (controller.signal.aborted) {
			options.write('preflight interrupted');
			return EXIT.failed;
		}
		options.write(failures === 0 ? `preflight passed: all ${count} checks` : `preflight failed: ${failures} of ${count} checks`);
		return failures === 0 ? EXIT.completed : EXIT.failed;
	} finally {
		process.off('SIGINT', onSignal);
		process.off('SIGTERM', onSignal);
		await sandbox?.stop();
		if (sandboxDir) rmSync(sandboxDir, {recursive: true, force: true});
	}
};

/** `greenlight preflight [FILE] [--target T] [--var k=v]…`; the rehearsal target brings its sandbox. */
export const runPreflightCommand = async (args: string[]): Promise<number> => {
	const {values, positionals} = parse(args, {target: {type: 'string'}, var: {type: 'string', multiple: true}});
	return runPreflight({
		file: positionals[0] ?? 'runbook.json',
		target: values.target,
		vars: parseVars(values.var),
		write: (line) => process.stdout.write(`${line}\n`),
		sandbox:
			values.target === REHEARSAL_TARGET
				? async (sessionDir) => (await import('../../sandbox/sandbox.js')).startSandbox({sessionDir, speed: REHEARSAL_SPEED})
				: undefined,
	});
};
