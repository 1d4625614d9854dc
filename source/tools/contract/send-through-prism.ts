import {setTimeout as delay} from 'node:timers/promises';
import {z} from 'zod';
import {abortReason, type PrismProcess} from './prism-proxy.js';
import type {PlannedRequest} from '../../adapters/openapi/request-plan.js';

// One request through Prism and Prism's verdict on the answer: violations, a refusal, or no answer at all.

/** How long one request may take; the suite retries only when this much time is left. */
export const requestTimeoutMs = 10_000;
const prismErrorType = 'https://stoplight.io/prism/errors#';

const violationSchema = z.looseObject({
	location: z.array(z.string()).optional(),
	severity: z.string().optional(),
	message: z.string(),
});
type Violation = z.infer<typeof violationSchema>;
const problemSchema = z.looseObject({
	type: z.string().optional(),
	title: z.string().optional(),
	detail: z.string().optional(),
	validation: z.array(violationSchema).optional(),
});

const parseViolations = (header: string | null): Violation[] | undefined => {
	if (header === null) return undefined;
	try {
		const parsed = z.array(violationSchema).safeParse(JSON.parse(header));
		return parsed.success ? parsed.data : undefined;
	} catch {
		// "Too many violations! …" is cut short and no longer JSON; the problem body still has the errors.
		return undefined;
	}
};

const parseProblem = (contentType: string | null, body: string): z.infer<typeof problemSchema> | undefined => {
	if (!contentType?.includes('problem+json')) return undefined;
	try {
		const parsed = problemSchema.safeParse(JSON.parse(body));
		return parsed.success ? parsed.data : undefined;
	} catch {
		return undefined;
	}
};

// Errors and warnings both break the contract: Prism only warns about an undeclared non-2xx status.
const breaksContract = (violation: Violation): boolean => violation.severity === 'Error' || violation.severity === 'Warning';

/** `noAnswer`: the target said nothing (connection failed, timed out); not a verdict on the contract. */
export type Outcome = {violations: string[]} | {error: string; noAnswer?: boolean};

export const sendThroughPrism = async (prism: PrismProcess, address: string, request: PlannedRequest, signal: AbortSignal): Promise<Outcome> => {
	prism.forgetUpstream();
	const pathname = request.path.split('?')[0] ?? request.path;
	let response: Response;
	try {
		response = await fetch(new URL(request.path, address), {
			method: request.method,
			headers: request.headers,
			body: request.body,
			signal: AbortSignal.any([signal, AbortSignal.timeout(requestTimeoutMs)]),
		});
	} catch (error) {
		if (signal.aborted) throw abortReason(signal);
		return {
			error: `${request.label} → no answer from Prism: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`,
			noAnswer: true,
		};
	}
	const body = await response.text();
	const problem = parseProblem(response.headers.get('content-type'), body);
	const violations = (parseViolations(response.headers.get('sl-violations')) ?? problem?.validation ?? []).filter(breaksContract);

	// Prism logs the target's own status just before it answers; give the pipe a moment to deliver it.
	let upstreamStatus = prism.upstreamStatus(pathname);
	for (let waited = 0; upstreamStatus === undefined && (problem !== undefined || violations.length > 0) && waited < 500; waited += 25) {
		await delay(25);
		upstreamStatus = prism.upstreamStatus(pathname);
	}

	if (violations.length > 0) {
		const status = typeof upstreamStatus === 'number' ? upstreamStatus : response.status;
		return {violations: violations.map((violation) => `${request.label} → ${status}: ${violation.message}`)};
	}
	if (problem !== undefined && (typeof upstreamStatus !== 'number' || problem.type?.startsWith(prismErrorType))) {
		const reason = [problem.title, problem.detail].filter((part) => part !== undefined && part !== '').join(': ');
		return typeof upstreamStatus !== 'number'
			? {error: `${request.label} → no answer: ${reason}`, noAnswer: true}
			: {error: `${request.label} → ${upstreamStatus}, refused by Prism: ${reason}`};
	}
	return {violations: []};
};
