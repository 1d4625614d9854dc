#!/usr/bin/env node
import {existsSync} from 'node:fs';
import {parseArgs} from 'node:util';
import {isoSeconds} from './clock.js';
import {STATE_ENV, updateState, type CiRun, type CiState} from './fly-state.js';

// The `gh` of a rehearsal: `gh run list`, as cli/cli pkg/cmd/run/list/list.go answers it, over the
// workflow runs the sandbox's state keeps (FlyState.ci). As GitHub does, `--commit` is sent as
// head_sha and matches the full 40-character SHA only, so a short one finds nothing (`[]`). Runs come
// newest first, failed runs and re-runs (attempt > 1) included. `--json` prints the fields asked
// for, named as cli/cli pkg/cmd/run/shared/shared.go RunFields and valued as Run.ExportData writes
// them (times RFC 3339, numbers as numbers, conclusion "" while running), compact, keys sorted.
// The first ask for a full SHA without runs records one run per required workflow, concluded as
// ci.outcomes says (default success): that is how a scenario or test makes a workflow fail.

export const REHEARSAL_WORKFLOWS = ['ci', 'security-gates', 'gdpr-compliance'] as const;

/** cli/cli pkg/cmd/run/shared/shared.go RunFields. */
const RUN_FIELDS = [
	'name',
	'displayTitle',
	'headBranch',
	'headSha',
	'createdAt',
	'updatedAt',
	'startedAt',
	'attempt',
	'status',
	'conclusion',
	'event',
	'number',
	'databaseId',
	'workflowDatabaseId',
	'workflowName',
	'url',
] as const;
type RunField = (typeof RUN_FIELDS)[number];

/** cli/cli pkg/cmd/run/shared/shared.go AllStatuses: what --status accepts (GitHub's status filter takes conclusions too). */
const ALL_STATUSES = [
	'queued',
	'completed',
	'in_progress',
	'requested',
	'waiting',
	'action_required',
	'cancelled',
	'failure',
	'neutral',
	'skipped',
	'stale',
	'startup_failure',
	'success',
	'timed_out',
];

const DEFAULT_LIMIT = 20;
const FULL_SHA = /^[0-9a-f]{40}$/;

const sorted = (values: readonly string[]) => [...values].sort();

/** One run per required workflow on a commit asked for the first time, concluded as `outcomes` says. */
const recordRuns = (ci: CiState, sha: string, now: number): void => {
	let id = Math.max(9_100_000_000, ...ci.runs.map((run) => run.databaseId));
	const planned = REHEARSAL_WORKFLOWS.flatMap((workflowName, workflowIndex) =>
		(ci.outcomes?.[workflowName] ?? ['success']).map((conclusion, attemptIndex) => ({workflowName, workflowIndex, conclusion, attemptIndex})),
	);
	for (const [order, {workflowName, workflowIndex, conclusion}] of planned.entries()) {
		id += 1;
		const created = now - (planned.length - order) * 60_000;
		const completed = conclusion !== '';
		ci.runs.push({
			databaseId: id,
			workflowDatabaseId: 80_000_000 + workflowIndex,
			workflowName,
			headSha: sha,
			headBranch: 'main',
			event: 'push',
			displayTitle: `Release commit ${sha.slice(0, 7)}`,
			status: completed ? 'completed' : 'in_progress',
			conclusion,
			attempt: 1,
			number: 100 + ci.runs.filter((run) => run.workflowName === workflowName).length + 1,
			createdAt: isoSeconds(new Date(created)),
			startedAt: isoSeconds(new Date(created)),
			updatedAt: isoSeconds(new Date(completed ? created + 45_000 : created)),
		});
	}
};

/** The runs GitHub has for this call: the state's, with a new full SHA's runs recorded first. */
const knownRuns = (commit: string | undefined): CiRun[] => {
	const stateFile = process.env[STATE_ENV];
	const ask = (ci: CiState): CiRun[] => {
		if (commit !== undefined && FULL_SHA.test(commit) && !ci.runs.some((run) => run.headSha === commit)) recordRuns(ci, commit, Date.now());
		return ci.runs;
	};
	if (!stateFile || !existsSync(stateFile)) return ask({runs: []});
	return updateState(stateFile, (state) => {
		state.ci ??= {runs: []};
		return ask(state.ci);
	});
};

const exported = (run: CiRun, field: RunField, repo: string): string | number => {
	switch (field) {
		case 'name':
			return run.workflowName;
		case 'url':
			return `https://github.com/${repo}/actions/runs/${run.databaseId}`;
		default:
			return run[field];
	}
};

const fail = (message: string): number => {
	process.stderr.write(`${message}\n`);
	return 1;
};

const main = (argv: string[]): number => {
	if (argv[0] !== 'run' || (argv[1] !== 'list' && argv[1] !== 'ls')) {
		return fail(`unknown command "${argv.slice(0, 2).join(' ')}" for "gh" (the rehearsal stand-in answers gh run list)`);
	}
	let values: Record<string, string | boolean | undefined>;
	try {
		({values} = parseArgs({
			args: argv.slice(2),
			options: {
				repo: {type: 'string', short: 'R'},
				commit: {type: 'string', short: 'c'},
				status: {type: 'string', short: 's'},
				branch: {type: 'string', short: 'b'},
				workflow: {type: 'string', short: 'w'},
				event: {type: 'string', short: 'e'},
				user: {type: 'string', short: 'u'},
				created: {type: 'string'},
				all: {type: 'boolean', short: 'a'},
				limit: {type: 'string', short: 'L'},
				json: {type: 'string'},
				jq: {type: 'string', short: 'q'},
				template: {type: 'string', short: 't'},
			},
			strict: true,
		}));
	} catch (error) {
		if (/--json/.test((error as Error).message)) return fail(`Specify one or more comma-separated fields for \`--json\`:\n  ${sorted(RUN_FIELDS).join('\n  ')}`);
		return fail((error as Error).message);
	}
	const option = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
	const status = option('status');
	if (status !== undefined && !ALL_STATUSES.includes(status)) {
		return fail(`invalid argument "${status}" for "-s, --status" flag: valid values are {${ALL_STATUSES.join('|')}}`);
	}
	const limit = option('limit') === undefined ? DEFAULT_LIMIT : Number(option('limit'));
	if (!Number.isInteger(limit) || limit < 1) return fail(`invalid limit: ${option('limit')}`);
	if (option('jq') !== undefined || option('template') !== undefined) {
		if (option('json') === undefined) return fail(`cannot use \`--${option('jq') === undefined ? 'template' : 'jq'}\` without specifying \`--json\``);
		return fail('the rehearsal stand-in for gh prints --json only; it evaluates no --jq or --template');
	}
	const fields = option('json')?.split(',').map((field) => field.trim());
	const unknown = fields?.find((field) => !(RUN_FIELDS as readonly string[]).includes(field));
	if (unknown !== undefined) return fail(`Unknown JSON field: ${JSON.stringify(unknown)}\nAvailable fields:\n  ${sorted(RUN_FIELDS).join('\n  ')}`);

	const commit = option('commit');
	const runs = knownRuns(commit);
	const workflow = option('workflow');
	if (workflow !== undefined && ![...REHEARSAL_WORKFLOWS, ...runs.map((run) => run.workflowName)].includes(workflow)) {
		return fail(`could not find any workflows named ${workflow}`);
	}
	const listed = runs
		.filter(
			(run) =>
				(commit === undefined || run.headSha === commit) &&
				(status === undefined || run.status === status || run.conclusion === status) &&
				(option('branch') === undefined || run.headBranch === option('branch')) &&
				(option('event') === undefined || run.event === option('event')) &&
				(workflow === undefined || run.workflowName === workflow),
		)
		.sort((first, second) => second.createdAt.localeCompare(first.createdAt) || second.databaseId - first.databaseId)
		.slice(0, limit);
	const repo = option('repo') ?? 'lokaltreu/lokaltreu';
	if (fields) {
		const picked = listed.map((run) => Object.fromEntries(sorted(fields).map((field) => [field, exported(run, field as RunField, repo)])));
		process.stdout.write(`${JSON.stringify(picked)}\n`);
		return 0;
	}
	// Not a terminal: no header, tab-separated; no runs prints nothing and is no failure (cmd.go NoResultsError).
	const elapsed = (run: CiRun) => `${Math.max(0, Math.round((Date.parse(run.updatedAt) - Date.parse(run.startedAt)) / 1000))}s`;
	for (const run of listed) {
		process.stdout.write(
			`${[run.status, run.conclusion, run.displayTitle, run.workflowName, run.headBranch, run.event, run.databaseId, elapsed(run), run.startedAt].join('\t')}\n`,
		);
	}
	return 0;
};

process.exitCode = main(process.argv.slice(2));
