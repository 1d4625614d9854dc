import type {Operation} from '../openapi/operations.js';
import {planRequest, type PlannedRequest} from '../openapi/request-plan.js';

// Which requests a synthetic load sends: safe operations of the OpenAPI file, filled in from the
// file's own examples, exactly as the contract suite fills them in.

export type LoadPlan = {ok: true; requests: PlannedRequest[]; skipped: string[]} | {ok: false; reason: string};

const isSafe = (operation: Operation): boolean => ['get', 'head'].includes(operation.method.toLowerCase());

const nameOf = (operation: Operation): string => operation.iid ?? `${operation.method.toUpperCase()} ${operation.path}`;

/** The operation with `body` as its only request body example, in the operation's first media type. */
const withBody = (operation: Operation, body: string): Operation => {
	const mediaType = operation.request?.body?.contents?.[0]?.mediaType ?? 'application/json';
	return {...operation, request: {...operation.request, body: {contents: [{mediaType, examples: [{value: body}]}]}}};
};

/**
 * Without names: every GET (and HEAD) operation whose parameters the examples fill; the others are
 * listed as skipped, with why. With names: exactly those operations, in that order, any method (a
 * non-GET is sent with its example body, or the one `bodies` gives); a name the file lacks, or one
 * it cannot fill, is an error.
 */
export const planLoad = (
	operations: readonly Operation[],
	names?: readonly string[],
	options: {headers?: Record<string, string>; bodies?: Readonly<Record<string, string>>} = {},
): LoadPlan => {
	const headers = options.headers ?? {};
	if (names) {
		const requests: PlannedRequest[] = [];
		for (const name of names) {
			const operation = operations.find((entry) => entry.iid === name);
			if (!operation) {
				const known = operations.flatMap((entry) => (entry.iid ? [entry.iid] : []));
				return {ok: false, reason: `operation "${name}" is not in the OpenAPI file (operationIds: ${known.join(', ') || 'none'})`};
			}
			const body = options.bodies?.[name];
			const plan = planRequest(body === undefined ? operation : withBody(operation, body), headers);
			if ('skip' in plan) return {ok: false, reason: `operation "${name}" cannot be sent: ${plan.skip}`};
			// A given body is sent as written, whatever its media type.
			requests.push(body === undefined ? plan.request : {...plan.request, body});
		}
		return {ok: true, requests, skipped: []};
	}
	const requests: PlannedRequest[] = [];
	const skipped: string[] = [];
	for (const operation of operations) {
		if (!isSafe(operation)) {
			skipped.push(`${nameOf(operation)}: ${operation.method.toUpperCase()} is not a safe method (name it in "operations" to send it)`);
			continue;
		}
		const plan = planRequest(operation, headers);
		if ('skip' in plan) skipped.push(`${nameOf(operation)}: ${plan.skip}`);
		else requests.push(plan.request);
	}
	if (requests.length === 0) return {ok: false, reason: `no GET operation can be filled in from the file's examples${skipped.length > 0 ? ` (${skipped.join('; ')})` : ''}`};
	return {ok: true, requests, skipped};
};
