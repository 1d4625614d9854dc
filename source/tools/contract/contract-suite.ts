import {existsSync} from 'node:fs';
import path from 'node:path';
import {readOperations} from '../../adapters/openapi/operations.js';
import {startPrism} from './prism-proxy.js';
import {planRequest} from '../../adapters/openapi/request-plan.js';
import {requestTimeoutMs, sendThroughPrism} from './send-through-prism.js';

// `greenlight contract`: checks a real target against its OpenAPI contract, in production as in a rehearsal.

export type ContractSuiteOptions = {
	/** The OpenAPI document (YAML or JSON) the target must honour. */
	openapi: string;
	/** Base URL of the service under test; Prism forwards every request to it. */
	target: string;
	log: (line: string) => void;
	signal?: AbortSignal;
	/** For the whole suite, Prism's start included. Default 60 s. */
	timeoutMs?: number;
	/** Sent with every request, e.g. credentials for operations that declare security. */
	headers?: Record<string, string>;
};

export type ContractSuiteResult = {
	/** No violation, at least one request checked and every request answered. */
	ok: boolean;
	/** Requests sent through Prism. */
	checked: number;
	/** "GET /v1/rewards → 200: Response body must have required property 'id'", Prism's text. */
	violations: string[];
	/** Requests without an answer and reasons the suite could not run. */
	errors: string[];
};

const defaultTimeoutMs = 60_000;

/**
 * The contract suite: real Prism (`prism proxy <openapi> <target> --errors`) in front of the target, one request per
 * operation the contract lets us fill in, and Prism's own verdict on each answer.
 */
export const runContractSuite = async (options: ContractSuiteOptions): Promise<ContractSuiteResult> => {
	const {log} = options;
	const result: ContractSuiteResult = {ok: false, checked: 0, violations: [], errors: []};
	const fail = (message: string): ContractSuiteResult => {
		log(`contract: ${message}`);
		result.errors.push(message);
		return result;
	};

	const openapi = path.resolve(options.openapi);
	if (!existsSync(openapi)) return fail(`OpenAPI file not found: ${openapi}`);
	let target: URL;
	try {
		target = new URL(options.target);
	} catch {
		return fail(`target is not a URL: "${options.target}" (expected e.g. http://127.0.0.1:8080)`);
	}
	if (target.protocol !== 'http:' && target.protocol !== 'https:') return fail(`target must be http(s), got "${options.target}"`);

	const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
	const startedAt = Date.now();
	const deadline = AbortSignal.timeout(timeoutMs);
	const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;

	const prism = startPrism(openapi, target.href, log);
	log(`contract: Prism proxy (pid ${prism.pid ?? '?'}) checks ${target.href} against ${path.basename(openapi)}`);
	try {
		const [operations, address] = await Promise.all([readOperations(openapi), prism.listening(signal)]);
		for (const operation of operations) {
			const plan = planRequest(operation, options.headers ?? {});
			if ('skip' in plan) {
				log(`contract: skip ${operation.method.toUpperCase()} ${operation.path}: ${plan.skip}`);
				continue;
			}
			let outcome = await sendThroughPrism(prism, address, plan.request, signal);
			// No answer is not a verdict on the contract: a busy target (or machine) gets one more try, if
			// the request is safe to send twice and there is time for it. An answer, a violation or a
			// refusal by Prism is never retried: the same request fails the same way.
			const safe = plan.request.method === 'GET' || plan.request.method === 'HEAD';
			if ('error' in outcome && outcome.noAnswer && safe && startedAt + timeoutMs - Date.now() > requestTimeoutMs) {
				log(`contract: ${outcome.error}; trying once more`);
				outcome = await sendThroughPrism(prism, address, plan.request, signal);
			}
			result.checked += 1;
			if ('error' in outcome) {
				result.errors.push(outcome.error);
				log(`contract: ${outcome.error}`);
			} else if (outcome.violations.length > 0) {
				result.violations.push(...outcome.violations);
				for (const violation of outcome.violations) log(`contract: ${violation}`);
			} else {
				log(`contract: ${plan.request.label} → conforms`);
			}
		}
		if (result.checked === 0) return fail('no operation could be checked; every one was skipped');
	} catch (error) {
		const message = (error as Error).message;
		return fail(signal.aborted && deadline.aborted ? `timed out after ${timeoutMs / 1000}s` : message);
	} finally {
		await prism.stop();
	}
	result.ok = result.violations.length === 0 && result.errors.length === 0;
	return result;
};
