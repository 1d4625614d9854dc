#!/usr/bin/env node
import {parseArgs} from 'node:util';

// The `gh` of a rehearsal: `gh run list` reports the release commit's CI workflows as succeeded.

export const REHEARSAL_WORKFLOWS = ['ci', 'security-gates', 'gdpr-compliance'] as const;

const main = (argv: string[]): number => {
	if (argv[0] !== 'run' || argv[1] !== 'list') {
		process.stderr.write(`unknown command "${argv.slice(0, 2).join(' ')}" for "gh" (the rehearsal stand-in answers gh run list)\n`);
		return 1;
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
				limit: {type: 'string', short: 'L'},
				json: {type: 'string'},
			},
			strict: true,
		}));
	} catch (error) {
		process.stderr.write(`${(error as Error).message}\n`);
		return 1;
	}
	const commit = typeof values.commit === 'string' ? values.commit : '0000000';
	const runs = REHEARSAL_WORKFLOWS.map((workflowName, index) => ({
		databaseId: 9_100_000 + index,
		workflowName,
		name: workflowName,
		headSha: commit,
		headBranch: typeof values.branch === 'string' ? values.branch : 'main',
		status: 'completed',
		conclusion: 'success',
		event: 'push',
		createdAt: new Date(Date.now() - (index + 5) * 60_000).toISOString(),
	})).filter(
		(run) =>
			(values.workflow === undefined || run.workflowName === values.workflow) &&
			(values.status === undefined || run.conclusion === values.status || run.status === values.status),
	);
	if (typeof values.json !== 'string') {
		process.stdout.write(`${runs.map((run) => `completed\tsuccess\t${run.name}\t${run.headBranch}\tpush\t${run.databaseId}`).join('\n')}\n`);
		return 0;
	}
	const fields = values.json.split(',').map((field) => field.trim());
	const unknown = fields.find((field) => !(field in (runs[0] ?? {databaseId: 0})));
	if (unknown) {
		process.stderr.write(`Unknown JSON field: "${unknown}"\n`);
		return 1;
	}
	const picked = runs.map((run) => Object.fromEntries(fields.map((field) => [field, run[field as keyof typeof run]])));
	process.stdout.write(`${JSON.stringify(picked)}\n`);
	return 0;
};

process.exitCode = main(process.argv.slice(2));
