import {parseDuration} from '../runbook/duration.js';
import type {HttpStep} from '../runbook/schema.js';
import {substitute, substituteRecord} from '../runbook/template.js';
import {captureAll, captureFailureWithoutOutput, checkJsonExpectations, describeJsonExpectations, matchOutput, passedWith} from './capture.js';
import {fetchText, isSuccessStatus, type HttpAnswer, type HttpFailure} from './http-fetch.js';
import {failureReason, type StepExecutor, type StepResult} from './step-context.js';

export const DEFAULT_HTTP_TIMEOUT = '10s';

/** How much of a response body reaches the log: enough to see what came back, never a flood. */
const BODY_LOG_LINES = 20;
const BODY_LOG_LINE_CHARS = 200;

type Request = {method: string; url: string; headers: Record<string, string>; body?: string};

const prepare = (step: HttpStep, variables: Readonly<Record<string, string>>): Request => ({
	method: step.method ?? 'GET',
	url: substitute(step.url, variables),
	headers: substituteRecord(step.headers, variables),
	body: step.body === undefined ? undefined : substitute(step.body, variables),
});

/** A request that got no answer, worded for a step's reason: the URL as the runbook spelled it. */
const describeFailure = (failure: HttpFailure, url: string, timeoutText: string): string => {
	if (failure.kind === 'cancelled') return 'cancelled';
	if (failure.kind === 'timed-out') return `timed out after ${timeoutText}`;
	switch (failure.code) {
		case 'ECONNREFUSED':
			return `connection refused: ${url}`;
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return `cannot resolve host: ${url}`;
		case 'ECONNRESET':
		case 'UND_ERR_SOCKET':
			return `connection closed without an answer: ${url}`;
		default:
			return `${url}: ${failure.causeMessage ?? failure.message}`;
	}
};

/** The first lines of a body, each cut to a readable width, and how many were left out. */
export const bodyPreview = (body: string): string[] => {
	const lines = body.split(/\r?\n/).filter((line, index, all) => line !== '' || index < all.length - 1);
	const shown = lines
		.slice(0, BODY_LOG_LINES)
		.map((line) => (line.length > BODY_LOG_LINE_CHARS ? `${line.slice(0, BODY_LOG_LINE_CHARS)}…` : line));
	if (lines.length > BODY_LOG_LINES) shown.push(`… (${lines.length - BODY_LOG_LINES} more lines)`);
	return shown;
};

const isExpectedStatus = (status: number, expected: number | undefined): boolean =>
	expected === undefined ? isSuccessStatus(status) : status === expected;

/** Judges an answer against the step's expectations and takes its captures. */
export const judgeHttpAnswer = async (step: HttpStep, answer: HttpAnswer): Promise<StepResult> => {
	const expect = step.expect ?? {};
	if (!isExpectedStatus(answer.status, expect.status)) {
		return {status: 'failed', reason: `HTTP ${answer.status} (expected ${expect.status ?? '2xx'})`};
	}
	const evidence = [`HTTP ${answer.status}`];
	if (expect.body !== undefined) {
		const body = await matchOutput(expect.body, answer.body);
		if (!body.ok) return {status: 'failed', reason: body.reason};
		if (!body.match) return {status: 'failed', reason: `body did not match /${expect.body}/`};
		evidence.push(`body matched /${expect.body}/`);
	}
	if (expect.json) {
		// A secret step's answer is not quoted: the reason names the path only.
		const problem = await checkJsonExpectations(expect.json, answer.body, 'response', step.secret);
		if (problem) return {status: 'failed', reason: failureReason(step, problem)};
		evidence.push(describeJsonExpectations(expect.json));
	}
	const captures = await captureAll(step.capture, answer.body);
	if (!captures.ok) {
		return {status: 'failed', reason: failureReason(step, step.secret ? await captureFailureWithoutOutput(step.capture, answer.body) : captures.reason)};
	}
	return passedWith(evidence, captures.captured);
};

/** Sends the step's request with its own timeout and the step's cancellation; a failure comes back as a reason. */
export const sendHttpRequest = async (
	request: Request,
	options: {timeoutMs: number; timeoutText: string; signal: AbortSignal},
): Promise<{ok: true; answer: HttpAnswer} | {ok: false; reason: string}> => {
	const sent = await fetchText(request, options);
	return sent.ok ? sent : {ok: false, reason: describeFailure(sent.failure, request.url, options.timeoutText)};
};

/** Runs an http step: one request, its answer logged in brief, judged against status, body and JSON expectations. */
export const executeHttpStep: StepExecutor<HttpStep> = async (context) => {
	const {step} = context;
	let request: Request;
	try {
		request = prepare(step, context.variables);
	} catch (error) {
		// MissingVariableError says "variable {{x}} has no value", which is what a person needs.
		return {status: 'failed', reason: (error as Error).message};
	}
	if (!URL.canParse(request.url)) return {status: 'failed', reason: `not a valid URL: ${request.url}`};
	const timeoutText = step.timeout ?? DEFAULT_HTTP_TIMEOUT;
	const sent = await sendHttpRequest(request, {
		timeoutMs: parseDuration(timeoutText),
		timeoutText,
		signal: context.signal,
	});
	if (!sent.ok) {
		context.log(`${request.method} ${request.url} → ${sent.reason}`);
		return {status: 'failed', reason: sent.reason};
	}
	const {answer} = sent;
	const statusText = answer.statusText ? ` ${answer.statusText}` : '';
	context.log(`${request.method} ${request.url} → ${answer.status}${statusText} (${answer.durationMs} ms)`);
	for (const line of bodyPreview(answer.body)) context.log(line);
	return judgeHttpAnswer(step, answer);
};
