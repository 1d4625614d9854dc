import {existsSync, readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import path from 'node:path';
import {createInterface} from 'node:readline';
import {execa, type ResultPromise} from 'execa';
import {z} from 'zod';

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
const requestTimeoutMs = 10_000;
const prismErrorType = 'https://stoplight.io/prism/errors#';

// The operations as Prism itself reads them (refs resolved, `example` folded into `examples`); only what we use.
const exampleSchema = z.looseObject({value: z.unknown().optional()});
const valueSchema = z.looseObject({
	example: z.unknown().optional(),
	examples: z.unknown().optional(),
	enum: z.array(z.unknown()).optional(),
	default: z.unknown().optional(),
});
const parameterSchema = z.looseObject({
	name: z.string(),
	required: z.boolean().optional(),
	examples: z.array(exampleSchema).optional(),
	schema: valueSchema.optional(),
});
const securitySchemeSchema = z.looseObject({
	type: z.string(),
	scheme: z.string().optional(),
	in: z.string().optional(),
	name: z.string().optional(),
});
const operationSchema = z.looseObject({
	method: z.string(),
	path: z.string(),
	request: z
		.looseObject({
			path: z.array(parameterSchema).optional(),
			query: z.array(parameterSchema).optional(),
			headers: z.array(parameterSchema).optional(),
			body: z
				.looseObject({
					contents: z
						.array(z.looseObject({mediaType: z.string(), examples: z.array(exampleSchema).optional(), schema: valueSchema.optional()}))
						.optional(),
				})
				.optional(),
		})
		.optional(),
	security: z.array(z.array(securitySchemeSchema)).optional(),
});
type Operation = z.infer<typeof operationSchema>;
type Parameter = z.infer<typeof parameterSchema>;
type JsonSchema = z.infer<typeof valueSchema>;

type PlannedRequest = {method: string; path: string; label: string; headers: Record<string, string>; body?: string};
type Plan = {request: PlannedRequest} | {skip: string};

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

const requireHere = createRequire(import.meta.url);

// Resolved from greenlight's own install, so the suite works whatever the caller's cwd is.
const prismCliRequire = () => createRequire(requireHere.resolve('@stoplight/prism-cli/package.json'));

const prismBin = (): string => {
	const manifestPath = requireHere.resolve('@stoplight/prism-cli/package.json');
	const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {bin?: Record<string, string>};
	return path.join(path.dirname(manifestPath), manifest.bin?.prism ?? 'dist/index.js');
};

const readOperations = async (openapi: string): Promise<Operation[]> => {
	// Prism's own parser, so the suite asks exactly about the operations Prism validates against.
	const prismHttp = prismCliRequire()('@stoplight/prism-http') as {getHttpOperationsFromSpec: (spec: string) => Promise<unknown>};
	const parsed = z.array(operationSchema).safeParse(await prismHttp.getHttpOperationsFromSpec(openapi));
	if (!parsed.success) throw new Error(`cannot read the operations of ${openapi}: ${parsed.error.message}`);
	return parsed.data;
};

const firstOf = (values: unknown): unknown => (Array.isArray(values) ? values[0] : undefined);

const exampleValue = (examples: Array<{value?: unknown}> | undefined, schema: JsonSchema | undefined): unknown => {
	const fromExamples = examples?.find((example) => example.value !== undefined)?.value;
	if (fromExamples !== undefined) return fromExamples;
	return schema?.example ?? firstOf(schema?.examples) ?? firstOf(schema?.enum) ?? schema?.default;
};

const parameterValue = (parameter: Parameter): string | undefined => {
	const value = exampleValue(parameter.examples, parameter.schema);
	if (value === undefined || value === null) return undefined;
	return typeof value === 'object' ? JSON.stringify(value) : String(value);
};

const findHeader = (headers: Record<string, string>, name: string): string | undefined =>
	Object.entries(headers).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];

const schemeSatisfied = (scheme: z.infer<typeof securitySchemeSchema>, headers: Record<string, string>): boolean => {
	if (scheme.type === 'apiKey') {
		if (scheme.in === 'header' && scheme.name !== undefined) return findHeader(headers, scheme.name) !== undefined;
		if (scheme.in === 'cookie') return findHeader(headers, 'cookie') !== undefined;
		return false;
	}
	return findHeader(headers, 'authorization') !== undefined;
};

const describeScheme = (scheme: z.infer<typeof securitySchemeSchema>): string =>
	scheme.type === 'apiKey' ? `API key in ${scheme.in ?? '?'} "${scheme.name ?? '?'}"` : `${scheme.type}${scheme.scheme ? ` ${scheme.scheme}` : ''}`;

const planRequest = (operation: Operation, extraHeaders: Record<string, string>): Plan => {
	const method = operation.method.toUpperCase();
	const headers: Record<string, string> = {...extraHeaders};

	const security = operation.security ?? [];
	if (security.length > 0 && !security.some((alternative) => alternative.every((scheme) => schemeSatisfied(scheme, headers)))) {
		const needed = security.map((alternative) => alternative.map(describeScheme).join(' + ')).join(' or ');
		return {skip: `needs credentials (${needed}); pass them with --header`};
	}

	let concretePath = operation.path;
	for (const name of operation.path.match(/{[^}]+}/g) ?? []) {
		const parameterName = name.slice(1, -1);
		const parameter = operation.request?.path?.find((entry) => entry.name === parameterName);
		const value = parameter ? parameterValue(parameter) : undefined;
		if (value === undefined) return {skip: `path parameter "${parameterName}" has no example, enum or default`};
		concretePath = concretePath.replace(name, encodeURIComponent(value));
	}

	const query = new URLSearchParams();
	for (const parameter of operation.request?.query ?? []) {
		if (!parameter.required) continue;
		const value = parameterValue(parameter);
		if (value === undefined) return {skip: `required query parameter "${parameter.name}" has no example, enum or default`};
		query.append(parameter.name, value);
	}

	for (const parameter of operation.request?.headers ?? []) {
		if (!parameter.required || findHeader(headers, parameter.name) !== undefined) continue;
		const value = parameterValue(parameter);
		if (value === undefined) return {skip: `required header "${parameter.name}" has no example; pass it with --header`};
		headers[parameter.name] = value;
	}

	const search = query.size > 0 ? `?${query.toString()}` : '';
	const request: PlannedRequest = {method, path: `${concretePath}${search}`, label: `${method} ${concretePath}${search}`, headers};
	if (method === 'GET' || method === 'HEAD') return {request};

	// Anything that changes state is sent only with a body the contract itself offers as an example.
	const contents = operation.request?.body?.contents ?? [];
	const ordered = [...contents].sort((a, b) => Number(isJson(b.mediaType)) - Number(isJson(a.mediaType)));
	for (const content of ordered) {
		const example = exampleValue(content.examples, content.schema);
		if (example === undefined) continue;
		headers['content-type'] = content.mediaType;
		request.body = typeof example === 'string' && !isJson(content.mediaType) ? example : JSON.stringify(example);
		return {request};
	}
	return {skip: `${method} without a request body example`};
};

const isJson = (mediaType: string): boolean => /[/+]json\b/i.test(mediaType);

const cleanPrismLine = (line: string): string =>
	line
		.replace(/\u001B\[[0-9;]*m/g, '')
		.replace(/^\[[^\]]*\]\s*›\s*/, '')
		.replace(/\s+/g, ' ')
		.trim();

// Prism's lines an operator wants to see; its per-request chatter stays out.
const mattersInPrismLine = (line: string): boolean => /\b(fatal|error|warning|Prism is listening)\b/.test(line);

type PrismProcess = {
	pid: number | undefined;
	listening: (signal: AbortSignal) => Promise<string>;
	/** What Prism's log says the target answered to the last request for this path: its status, or 'failed'. */
	upstreamStatus: (pathname: string) => number | 'failed' | undefined;
	forgetUpstream: () => void;
	stop: () => Promise<void>;
};

const startPrism = (openapi: string, target: string, log: (line: string) => void): PrismProcess => {
	const subprocess: ResultPromise = execa(
		process.execPath,
		[prismBin(), 'proxy', openapi, target, '--errors', '--port', '0', '--host', '127.0.0.1', '--no-multiprocess'],
		// In this process's group, not one of its own: when greenlight kills the group of a contract step
		// (timeout, quit, even after a kill -9 of this process), Prism goes with it. --no-multiprocess:
		// Prism starts no children of its own, so stopping its one process stops all of it.
		{reject: false, buffer: false, stdin: 'ignore', env: {NO_COLOR: '1', FORCE_COLOR: '0'}},
	);
	const pid = subprocess.pid;
	const killPrism = (signalName: NodeJS.Signals): void => {
		if (pid === undefined) return;
		try {
			process.kill(pid, signalName);
		} catch {
			// Already gone.
		}
	};
	const killOnExit = (): void => killPrism('SIGKILL');
	process.on('exit', killOnExit);

	let exited = false;
	const exitedPromise = subprocess.then(() => {
		exited = true;
	});
	let address: string | undefined;
	const fatal: string[] = [];
	const upstream = new Map<string, number | 'failed'>();
	const waiters = new Set<() => void>();

	const onLine = (raw: string): void => {
		const line = cleanPrismLine(raw);
		if (line === '') return;
		const listeningAt = /Prism is listening on (http:\/\/\S+)/.exec(line);
		if (listeningAt?.[1]) address = listeningAt[1];
		const forwarded = /The upstream call to (\S+) has returned (\d+)/.exec(line);
		if (forwarded?.[1] && forwarded[2]) upstream.set(forwarded[1], Number(forwarded[2]));
		const terminated = /^\[HTTP SERVER\] \w+ (\S+) .*Request terminated with error/.exec(line);
		if (terminated?.[1] && !upstream.has(terminated[1])) upstream.set(terminated[1], 'failed');
		if (/\bfatal\b|Error:/.test(line) && address === undefined) fatal.push(line);
		if (mattersInPrismLine(line)) log(`prism: ${line}`);
		for (const wake of waiters) wake();
	};
	for (const stream of [subprocess.stdout, subprocess.stderr]) {
		if (stream) createInterface({input: stream}).on('line', onLine);
	}
	void exitedPromise.then(() => {
		for (const wake of waiters) wake();
	});

	const listening = (signal: AbortSignal): Promise<string> =>
		new Promise((resolve, reject) => {
			const check = (): void => {
				if (address !== undefined) finish(() => resolve(address as string));
				else if (exited) finish(() => reject(new Error(`Prism stopped before it listened: ${fatal.join(' ') || 'no reason given'}`)));
				else if (signal.aborted) finish(() => reject(abortReason(signal)));
			};
			const finish = (settle: () => void): void => {
				waiters.delete(check);
				signal.removeEventListener('abort', check);
				settle();
			};
			waiters.add(check);
			signal.addEventListener('abort', check);
			check();
		});

	const stop = async (): Promise<void> => {
		killPrism('SIGTERM');
		const graceful = await Promise.race([exitedPromise.then(() => true), delay(2000).then(() => false)]);
		if (!graceful) {
			killPrism('SIGKILL');
			await exitedPromise;
		}
		process.off('exit', killOnExit);
	};

	return {
		pid,
		listening,
		upstreamStatus: (pathname) => upstream.get(pathname),
		forgetUpstream: () => upstream.clear(),
		stop,
	};
};

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const abortReason = (signal: AbortSignal): Error =>
	signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError'
		? new Error('timed out')
		: signal.reason instanceof Error
			? signal.reason
			: new Error('stopped');

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
type Outcome = {violations: string[]} | {error: string; noAnswer?: boolean};

const sendThroughPrism = async (prism: PrismProcess, address: string, request: PlannedRequest, signal: AbortSignal): Promise<Outcome> => {
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
