import {existsSync, statSync} from 'node:fs';
import {setTimeout as sleep} from 'node:timers/promises';
import {OWN_PROGRAM} from '../command-runner.js';
import {describeFlyToken} from '../fly-tokens.js';
import {cliEntry} from '../package-root.js';
import type {MetricReader} from '../metrics/metric-reader.js';
import {rangeDuration} from '../metrics/reading.js';
import {probeFlyApp, probeFlyLogin} from './fly-probes.js';
import {probeMetricSource, type SourceProbe} from './metric-probe.js';
import {failed, listed, passed, skipped, type PreflightCheck} from './preflight-check.js';
import type {PreflightPlan} from './preflight-plan.js';
import {locateProgram} from './program-lookup.js';

// The probes of a preflight, in the order a person fixes things: files, programs, tokens, Fly's
// login, the apps, the metrics. Nothing here runs a step of the runbook: the only commands are the
// read-only `fly auth whoami` and `fly status`, built here; the only requests are GETs.

export type ProbeInput = {
	plan: PreflightPlan;
	/** The environment the run's commands get (greenlight's, the target's, the sandbox's). */
	env: Record<string, string>;
	/** The variables as the run would start with them, {{window}} aside. */
	values: Readonly<Record<string, string>>;
	runbookDir: string;
	reader: MetricReader;
	signal?: AbortSignal;
	/** The span metric sources read over. Default five minutes. */
	windowMs?: number;
	/** Blue answering without data is asked again this often, this far apart: an exporter may just have started. */
	retry?: {attempts: number; pauseMs: number};
};

const DEFAULT_WINDOW_MS = 5 * 60_000;
const DEFAULT_RETRY = {attempts: 3, pauseMs: 1_000};

const fileChecks = (plan: PreflightPlan): PreflightCheck[] =>
	plan.files.map(({file, given, usedBy}) => {
		const present = existsSync(file) && statSync(file).isFile();
		return present ? passed(`file ${given}`, `present (${listed(usedBy)})`) : failed(`file ${given}`, `not found at ${file} (needed by ${listed(usedBy)})`);
	});

const programChecks = (plan: PreflightPlan, env: Readonly<Record<string, string>>): PreflightCheck[] =>
	plan.programs.map(({program, cwd, usedBy}) => {
		if ('missing' in program) return skipped(`program {{${program.missing}}}`, `{{${program.missing}}} has no value yet (${listed(usedBy)})`);
		if (program.value === OWN_PROGRAM) return passed(program.value, `this greenlight, ${cliEntry()} (${listed(usedBy)})`);
		const found = locateProgram(program.value, env.PATH, cwd);
		if (found) return passed(program.value, `${found} (${listed(usedBy)})`);
		return failed(program.value, `${program.value.includes('/') ? `not found at ${program.value}` : 'not on the PATH the steps run with'} (needed by ${listed(usedBy)})`);
	});

const tokenChecks = (plan: PreflightPlan, env: Readonly<Record<string, string>>): PreflightCheck[] =>
	plan.tokens.map(({name, usedBy}) => {
		const token = env[name];
		if (!token?.trim()) return failed(name, `not set: ${listed(usedBy)} send it to Prometheus as their token`);
		return passed(name, `set, ${describeFlyToken(token)} (${listed(usedBy)})`);
	});

const probeMetrics = async (input: ProbeInput): Promise<PreflightCheck[]> => {
	const windowMs = input.windowMs ?? DEFAULT_WINDOW_MS;
	const retry = input.retry ?? DEFAULT_RETRY;
	const context = {variables: {...input.values, window: rangeDuration(windowMs)}, env: input.env, signal: input.signal, window: {ms: windowMs}};
	return Promise.all(
		input.plan.sources.map(async (entry) => {
			let probe: SourceProbe = await probeMetricSource(entry, context, input.reader);
			for (let attempt = 1; attempt < retry.attempts && probe.noData && probe.check.status === 'failed' && !input.signal?.aborted; attempt++) {
				await sleep(retry.pauseMs);
				probe = await probeMetricSource(entry, context, input.reader);
			}
			return probe.check;
		}),
	);
};

/** Every probe of the plan, each check as soon as it is known. */
export async function* probeRunbook(input: ProbeInput): AsyncGenerator<PreflightCheck> {
	const {plan, env} = input;
	yield* fileChecks(plan);
	yield* programChecks(plan, env);
	yield* tokenChecks(plan, env);
	if (plan.fly) {
		const fly = {fly: plan.fly, env, cwd: input.runbookDir, signal: input.signal};
		yield await probeFlyLogin(fly);
		yield* await Promise.all(plan.apps.map(({app, usedBy}) => probeFlyApp(fly, app, listed(usedBy))));
	}
	yield* await probeMetrics(input);
}
