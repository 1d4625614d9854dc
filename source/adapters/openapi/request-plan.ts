import type {JsonSchema, Operation, Parameter, SecurityScheme} from './operations.js';

// Which request the suite sends for an operation: filled in only from the contract's own examples,
// enums and defaults, or skipped with the reason.

export type PlannedRequest = {method: string; path: string; label: string; headers: Record<string, string>; body?: string};
export type Plan = {request: PlannedRequest} | {skip: string};

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

const schemeSatisfied = (scheme: SecurityScheme, headers: Record<string, string>): boolean => {
	if (scheme.type === 'apiKey') {
		if (scheme.in === 'header' && scheme.name !== undefined) return findHeader(headers, scheme.name) !== undefined;
		if (scheme.in === 'cookie') return findHeader(headers, 'cookie') !== undefined;
		return false;
	}
	return findHeader(headers, 'authorization') !== undefined;
};

const describeScheme = (scheme: SecurityScheme): string =>
	scheme.type === 'apiKey' ? `API key in ${scheme.in ?? '?'} "${scheme.name ?? '?'}"` : `${scheme.type}${scheme.scheme ? ` ${scheme.scheme}` : ''}`;

export const planRequest = (operation: Operation, extraHeaders: Record<string, string>): Plan => {
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
