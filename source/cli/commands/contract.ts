import {parseDuration} from '../../runbook/duration.js';
import {durationPattern} from '../../runbook/schema.js';
import {runContractSuite} from '../../tools/contract/contract-suite.js';
import {EXIT, parse, UsageError} from '../usage.js';

const contractOptions = {
	openapi: {type: 'string'},
	target: {type: 'string'},
	timeout: {type: 'string'},
	header: {type: 'string', multiple: true},
} as const;

const usage = 'greenlight contract --openapi FILE --target URL [--timeout 60s] [--header "Name: value"]…';

type ContractArgs = {openapi: string; target: string; timeoutMs: number; headers: Record<string, string>};

const parseContractArgs = (args: string[]): ContractArgs => {
	const {values} = parse(args, contractOptions, 0);
	if (values.openapi === undefined || values.target === undefined) {
		throw new UsageError(`contract needs --openapi and --target: ${usage}`);
	}
	const timeout = values.timeout ?? '60s';
	if (!durationPattern.test(timeout)) throw new UsageError(`--timeout expects a duration like "60s" or "2m", got "${timeout}"`);
	const headers: Record<string, string> = {};
	for (const entry of values.header ?? []) {
		const colon = entry.indexOf(':');
		if (colon <= 0) throw new UsageError(`--header expects "Name: value", got "${entry}"`);
		headers[entry.slice(0, colon).trim()] = entry.slice(colon + 1).trim();
	}
	return {openapi: values.openapi, target: values.target, timeoutMs: parseDuration(timeout), headers};
};

const summary = (violations: string[], errors: string[]): string => {
	const parts: string[] = [];
	if (violations.length > 0) parts.push(`${violations.length} contract violation${violations.length === 1 ? '' : 's'}: ${violations.join('; ')}`);
	if (errors.length > 0) parts.push(`not checked: ${errors.join('; ')}`);
	return `contract: FAILED — ${parts.join(' · ')}`;
};

/** `greenlight contract`: the contract suite on the command line. 0 conforming, 1 violations or no answer, 2 usage. */
export const runContractCommand = async (args: string[]): Promise<number> => {
	let parsed: ContractArgs;
	try {
		parsed = parseContractArgs(args);
	} catch (error) {
		if (!(error instanceof UsageError)) throw error;
		process.stderr.write(`greenlight: ${error.message}\nRun "greenlight --help" for usage.\n`);
		return EXIT.usage;
	}

	// Ctrl-C or a TERM stops Prism before greenlight goes; Prism runs in its own process group.
	const controller = new AbortController();
	const stop = (signal: NodeJS.Signals) => () => controller.abort(new Error(`stopped by ${signal}`));
	const onInterrupt = stop('SIGINT');
	const onTerminate = stop('SIGTERM');
	process.once('SIGINT', onInterrupt);
	process.once('SIGTERM', onTerminate);
	try {
		const result = await runContractSuite({
			...parsed,
			log: (line) => process.stdout.write(`${line}\n`),
			signal: controller.signal,
		});
		if (result.ok) {
			process.stdout.write(`contract: OK — ${result.checked} request${result.checked === 1 ? '' : 's'} conform to ${parsed.openapi}\n`);
			return EXIT.completed;
		}
		process.stdout.write(`${summary(result.violations, result.errors)}\n`);
		return EXIT.failed;
	} finally {
		process.off('SIGINT', onInterrupt);
		process.off('SIGTERM', onTerminate);
	}
};
