import {z} from 'zod';

// The runbook format v1. Every object is strict: a typo must never silently disable a gate.

export const durationPattern = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

const Duration = z
	.string()
	.regex(durationPattern, {message: 'expected a duration like "90s", "5m", "1h" or "500ms"'})
	.describe('A duration: a number followed by ms, s, m or h, e.g. "90s", "5m", "1h".');

const Identifier = z
	.string()
	.regex(/^[A-Za-z][\w-]*$/, {message: 'expected an id of letters, digits, "-" and "_", starting with a letter'});

const RegexString = z.string().superRefine((value, ctx) => {
	try {
		new RegExp(value);
	} catch (error) {
		ctx.addIssue({code: 'custom', message: (error as Error).message});
	}
});

const JsonPath = z
	.string()
	.regex(/^\$/, {message: 'expected a JSON path starting with "$", e.g. "$.Machines[*].id"'})
	.describe('A JSON path such as "$.Machines[*].id" or "$.status".');

const Argv = z
	.array(z.string())
	.min(1, {message: 'expected at least the program name'})
	.describe('The command as an argv array; each {{variable}} becomes (part of) one element, never shell text.');

const EnvMap = z.record(z.string(), z.string()).describe('Environment variables for the child process.');

export const Variable = z
	.strictObject({
		description: z.string().optional(),
		default: z
			.string()
			.optional()
			.describe('Value used when nothing else sets the variable. It may name other declared, non-secret variables whose defaults are plain ("https://api.fly.io/prometheus/{{flyOrg}}"); their values are filled in.'),
		prompt: z.string().optional().describe('Asked at start when no other source sets it.'),
		pattern: RegexString.optional().describe('A value must match this regular expression.'),
		env: z.string().optional().describe('Read the value from this environment variable.'),
		secret: z.boolean().optional().describe('Never shown or stored unredacted.'),
		optionLike: z
			.boolean()
			.optional()
			.describe('May start with "-" where it fills a whole argument (a negative number, say); otherwise such a value is refused, as it would be read as an option.'),
	})
	.describe('A {{variable}}: from --var, env, default, a prompt or a capture.');

const JsonExpectation = z
	.strictObject({
		path: JsonPath,
		equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional().describe('Every value at the path must equal this.'),
		matches: RegexString.optional().describe('Every value at the path must match this regular expression.'),
		absent: z.boolean().optional().describe('true: the path must find nothing, e.g. "$.checks[?(@.status != \'passing\')]".'),
		first: z
			.boolean()
			.optional()
			.describe('true: judge only the first value the path finds, e.g. the latest run where a tool lists newest first ("$[?(@.workflowName==\'ci\')].conclusion" of gh run list).'),
	})
	.describe('Read the JSON (of stdout or the response body) at a path; without equals/matches/absent it must find something.');

/** One expectation, or several that must all hold. */
const JsonExpectations = z.union([JsonExpectation, z.array(JsonExpectation).min(1)]);
export type JsonExpectation = z.infer<typeof JsonExpectation>;

/** What a captured value must look like; a value that does not match fails the step and is never used. */
const capturePattern = RegexString.optional().describe('The value must match this regex, or the step fails (besides the pattern of a declared variable of the same name).');

export const Capture = z.union([
	z.strictObject({regex: RegexString.describe('First group (or whole match) becomes the value.'), pattern: capturePattern}),
	z.strictObject({
		json: JsonPath.describe('Matches are joined with "," when several.'),
		first: z
			.boolean()
			.optional()
			.describe('true: only the first match becomes the value, e.g. the newest complete release where a tool lists newest first ("$[?(@.Status==\'complete\')].ImageRef" of fly releases --json).'),
		pattern: capturePattern,
	}),
]);

const stepBase = {
	id: Identifier.describe('Unique within the runbook.'),
	title: z.string().min(1),
	description: z.string().optional(),
	idempotent: z.boolean().optional().describe('Safe to run again after a crash.'),
	secret: z.boolean().optional().describe('Output is never shown or stored unredacted.'),
	changesProduction: z
		.boolean()
		.optional()
		.describe('From the moment this step starts, rollback is offered.'),
};

export const ManualStep = z.strictObject({
	...stepBase,
	kind: z.literal('manual'),
});

export const CommandStep = z.strictObject({
	...stepBase,
	kind: z.literal('command'),
	run: Argv,
	shell: z.boolean().optional().describe('Run through a shell. Only where explicitly asked for.'),
	env: EnvMap.optional(),
	cwd: z.string().optional(),
	stdin: z.string().optional().describe('Text fed to the command on standard input.'),
	timeout: Duration.optional(),
	expect: z
		.strictObject({
			exitCode: z.number().int().optional().describe('Default 0.'),
			stdout: RegexString.optional().describe('Standard output must match this regular expression (multiline: ^ and $ match at line ends).'),
			json: JsonExpectations.optional().describe('Standard output is JSON and holds these values.'),
		})
		.optional(),
	capture: z.record(Identifier, Capture).optional().describe('Variables taken from standard output.'),
});

export const HttpStep = z.strictObject({
	...stepBase,
	kind: z.literal('http'),
	method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).optional(),
	url: z.string().min(1),
	headers: z.record(z.string(), z.string()).optional(),
	body: z.string().optional(),
	timeout: Duration.optional(),
	expect: z
		.strictObject({
			status: z.number().int().min(100).max(599).optional().describe('Default: any 2xx.'),
			body: RegexString.optional().describe('The response body must match this regular expression (multiline: ^ and $ match at line ends).'),
			json: JsonExpectations.optional().describe('The response body is JSON and holds these values.'),
		})
		.optional(),
	capture: z.record(Identifier, Capture).optional(),
});

/** What a gate's sources read over: a duration, or "bake": everything since the bake (or watch) began. */
export const GateWindow = z
	.union([Duration, z.literal('bake')])
	.describe('The span each sample covers: a duration such as "1m" (the last minute), or "bake" for everything since this weight was set (traffic) or the watch began. Sources read it as {{window}}; a scrape source uses it instead of its own window. Default: the source\'s own window.');

export const Gate = z
	.strictObject({
		metric: Identifier.describe('A key of "metrics".'),
		min: z.number().optional(),
		max: z.number().optional(),
		maxRatioToBlue: z
			.number()
			.positive()
			.optional()
			.describe('Green may be at most this multiple of blue, over the same window. Where both sides carry a distribution (histogram buckets) the gate fails only when a Mann-Whitney U test also finds green slower at `confidence`; where both count hits (a share of requests), when a two-proportion test finds green\'s share larger.'),
		confidence: z
			.number()
			.gt(0.5)
			.lt(1)
			.optional()
			.describe('Confidence a maxRatioToBlue test needs before green counts as worse than blue, e.g. 0.99. Default 0.95.'),
		samples: z.number().int().min(1).optional().describe('Consecutive passing samples needed at the end of a bake or watch. Default 1.'),
		failureLimit: z
			.number()
			.int()
			.min(0)
			.optional()
			.describe('Failed samples tolerated in one bake or watch, as in Argo Rollouts: one more fails the step at once. Unknown and insufficient data are not failures (they block instead). Default 0.'),
		minCount: z
			.number()
			.int()
			.min(1)
			.optional()
			.describe('Observations (requests) a window must hold, for green and for blue, before a sample is judged; fewer is "insufficient data", which blocks like unknown. Default: 1/(1−q) for a quantile q of a scrape source (20 for a p95), 1 for other counted values.'),
		window: GateWindow.optional(),
	})
	.describe('Holds when the metric stays within bounds for `samples` consecutive samples; fails when more than `failureLimit` samples fail.');

/** Steady synthetic requests where production sends none yet (green's own hostname before the switch). */
export const SyntheticLoad = z
	.strictObject({
		url: z.string().min(1).describe('Base URL the requests go to, e.g. "{{greenUrl}}": green\'s own hostname, which has no users before the switch.'),
		openapi: z.string().min(1).describe('The OpenAPI file (relative to the runbook) whose operations are requested, each filled in from the file\'s own examples.'),
		rate: z.number().int().min(1).max(1000).describe('Requests per second, over all connections.'),
		connections: z.number().int().min(1).optional().describe('Concurrent connections, at most `rate`. Default: the smaller of `rate` and 10.'),
		operations: z
			.array(z.string().min(1))
			.min(1)
			.optional()
			.describe('operationIds to request in turn. Default: every GET operation whose parameters the file\'s examples fill. Any other method is sent only when named here, with the example body of the file: name only operations that change nothing, such as verifying a token.'),
		bodies: z
			.record(z.string().min(1), z.string())
			.optional()
			.describe('Request bodies by operationId, instead of the file\'s example: e.g. a test tenant\'s valid token, {"verifyToken": "{\\"token\\": \\"{{syntheticToken}}\\"}"}. The example of a contract is rarely valid in production.'),
		timeout: Duration.optional().describe('How long one request may take; after that it counts as an error. Default 10s.'),
	})
	.refine((load) => Object.keys(load.bodies ?? {}).every((id) => load.operations?.includes(id) ?? false), {
		message: 'bodies are for operations named in "operations"',
		path: ['bodies'],
	})
	.refine((load) => load.connections === undefined || load.connections <= load.rate, {message: 'connections must not exceed rate (each connection sends at least one request a second)', path: ['connections']})
	.describe('Drives steady load (autocannon) for the whole watch; its latency and errors are read by metric sources of type "load" and logged.');

export const WatchStep = z.strictObject({
	...stepBase,
	kind: z.literal('watch'),
	duration: Duration,
	interval: Duration.optional().describe('Sampling interval. Default 5s.'),
	maxDuration: Duration.optional().describe('While a gate has too few observations at the end of `duration`, the watch goes on, up to this long in all. Default: no extension.'),
	load: SyntheticLoad.optional(),
	gates: z.array(Gate).min(1),
});

/** A traffic step's measured share: green's part of all responses over each weight's bake, against the weight. */
export const TrafficShare = z
	.strictObject({
		metric: Identifier.describe('A key of "metrics" whose value is green\'s share of all responses in percent, e.g. green\'s responses against those of both apps; read over each weight\'s whole bake ({{window}}).'),
		tolerance: z
			.number()
			.positive()
			.max(100)
			.describe('Percentage points either side of the weight: with 10, weight 25 holds for a measured 15 to 35 %. Outside it, or unknown, the step fails like any gate.'),
		samples: Gate.shape.samples,
		failureLimit: Gate.shape.failureLimit,
		minCount: Gate.shape.minCount.describe('Responses a bake must hold before its share is judged; fewer is "insufficient data". Default: 1.'),
	})
	.describe('Measure the share of requests green really served at each weight and gate on it: a gate with min = weight − tolerance and max = weight + tolerance over the bake. Fly\'s proxy routes to the least loaded, closest machine, not by machine count: a share set by the lever is an intention until measured.');

export const TrafficStep = z.strictObject({
	...stepBase,
	kind: z.literal('traffic'),
	weights: z.array(z.number().min(0).max(100)).min(1).describe('Percentages of traffic on green, in order: increasing from above 0 (a switch towards green), or decreasing to 0 (a step back to blue, e.g. [0] after a promotion).'),
	bake: Duration.describe('How long each weight is observed before the next.'),
	maxBake: Duration.optional().describe('While a gate has too few observations at the end of `bake`, the weight is observed longer, up to this long in all. Default: no extension.'),
	interval: Duration.optional(),
	run: Argv.describe('Moves traffic; {{weight}} is the percentage.'),
	env: EnvMap.optional(),
	timeout: Duration.optional(),
	gates: z.array(Gate).default([]),
	share: TrafficShare.optional(),
});

export const LinkStep = z.strictObject({
	...stepBase,
	kind: z.literal('link'),
	file: z.string().min(1).describe('Another runbook file, relative to this one; its steps are ticked off nested.'),
});

export const ExportStep = z.strictObject({
	...stepBase,
	kind: z.literal('export'),
	what: z.enum(['release-record', 'snapshot']).describe('The release record or the observability snapshot.'),
});

export const Step = z.discriminatedUnion('kind', [
	ManualStep,
	CommandStep,
	HttpStep,
	WatchStep,
	TrafficStep,
	LinkStep,
	ExportStep,
]);

export const Phase = z.strictObject({
	id: Identifier,
	title: z.string().min(1),
	description: z.string().optional(),
	confirm: z
		.enum(['operator', 'pair'])
		.default('operator')
		.describe('"pair": two different operators must confirm (four eyes).'),
	steps: z.array(Step).min(1),
});

export const MetricSource = z.discriminatedUnion('type', [
	z.strictObject({
		type: z.literal('prometheus'),
		url: z.string().min(1).describe('Base URL of the Prometheus HTTP API.'),
		query: z.string().min(1).describe('PromQL; must yield one number. {{window}} is the gate\'s window, e.g. "[{{window}}]".'),
		countQuery: z
			.string()
			.min(1)
			.optional()
			.describe('PromQL yielding the observations behind the value, e.g. sum(increase(…_count[{{window}}])): needed for minCount.'),
		bucketsQuery: z
			.string()
			.min(1)
			.optional()
			.describe('PromQL yielding the window\'s cumulative histogram by "le", e.g. sum by (le) (increase(…_bucket[{{window}}])): lets maxRatioToBlue test the distributions.'),
		hitsQuery: z
			.string()
			.min(1)
			.optional()
			.describe('For a share (errors of all requests): PromQL yielding the hits in {{window}}, with countQuery yielding all; lets maxRatioToBlue test the two shares.'),
		counts: z.string().min(1).optional().describe('What one observation is, for messages such as "12 requests in 6 s, need 50". Default "observations".'),
		tokenEnv: z
			.string()
			.optional()
			.describe('Environment variable holding the token, sent as flyctl sends it: a Fly macaroon (fm2_…, fm1r_…, with or without "FlyV1 ") as "Authorization: FlyV1 …", any other token as "Bearer …". Unset or empty: the reading is unknown, naming the variable.'),
		timeout: Duration.optional(),
	}),
	z.strictObject({
		type: z.literal('scrape'),
		url: z.string().min(1).describe('A Prometheus text exposition endpoint.'),
		metric: z.string().min(1).describe('Metric family name (without _bucket for histograms).'),
		labels: z.record(z.string(), z.string()).optional().describe('Only series with these labels.'),
		aggregate: z
			.enum(['quantile', 'rate', 'gauge', 'ratio'])
			.describe('quantile of a histogram, rate of a counter, a gauge value, or a ratio of two counter rates.'),
		quantile: z.number().min(0).max(1).optional(),
		window: Duration.optional().describe('Sliding window for rates and quantiles. Default 1m.'),
		ratioOf: z
			.strictObject({labels: z.record(z.string(), z.string())})
			.optional()
			.describe('For "ratio": numerator series labels; the denominator is all series of the metric.'),
		scale: z.number().optional().describe('Multiply the result, e.g. 1000 for seconds → ms, 100 for %.'),
		counts: z.string().min(1).optional().describe('What one observation is, for messages such as "12 requests in 6 s, need 50". Default "observations".'),
		timeout: Duration.optional(),
	}),
	z.strictObject({
		type: z.literal('http-json'),
		url: z.string().min(1),
		path: JsonPath,
		countPath: JsonPath.optional().describe('Where the answer says how many observations the value stands on: needed for minCount.'),
		counts: z.string().min(1).optional().describe('What one observation is, for messages such as "12 requests in 6 s, need 50". Default "observations".'),
		headers: z.record(z.string(), z.string()).optional(),
		timeout: Duration.optional(),
	}),
	z.strictObject({
		type: z.literal('command'),
		run: Argv,
		env: EnvMap.optional(),
		timeout: Duration.optional(),
	}),
	z
		.strictObject({
			type: z.literal('load'),
			stat: z
				.enum(['p50', 'p95', 'p99', 'errors'])
				.describe('Of the watch\'s own synthetic load over the gate\'s window: a latency quantile in ms (answered requests), or errors in % (5xx answers and requests without an answer).'),
		})
		.describe('The synthetic load the watch drives (its "load"), as its client measures it; counts requests.'),
]);

export const Metric = z.strictObject({
	title: z.string().min(1),
	unit: z.string().optional(),
	green: MetricSource,
	blue: MetricSource.optional(),
});

/** How the pair's second confirmation of a four-eyes phase is tied to a person. */
export const PairSettings = z
	.strictObject({
		verify: z
			.enum(['uid', 'ssh-key', 'name'])
			.describe(
				'uid: another Unix user than the driver, proven to the kernel (the default for a run); ssh-key: each confirmation signed with the operator\'s SSH key and checked against allowedSigners (two people on one shared account); name: names only, for rehearsals (the default there), recorded as not verified.',
			),
		allowedSigners: z
			.string()
			.min(1)
			.optional()
			.describe('ssh-key: the allowed-signers file (as for git\'s gpg.ssh.allowedSignersFile), relative to the runbook; its principals are the operator names.'),
	})
	.refine((pair) => pair.verify !== 'ssh-key' || pair.allowedSigners !== undefined, {message: 'verify "ssh-key" needs allowedSigners', path: ['allowedSigners']});

export const Target = z.strictObject({
	description: z.string().optional(),
	pair: PairSettings.optional().describe('How the pair is verified on this target (overrides the runbook\'s pair).'),
	env: EnvMap.optional().describe('Environment for every command of this target.'),
	variables: z.record(z.string(), z.string()).optional().describe('Variable values for this target.'),
	metrics: z
		.record(
			z.string(),
			z.strictObject({green: MetricSource.optional(), blue: MetricSource.optional()}),
		)
		.optional()
		.describe('Where a metric is read from on this target; gates and thresholds stay the same.'),
});

export const Runbook = z.strictObject({
	$schema: z.string().optional(),
	version: z.literal(1).optional(),
	title: z.string().min(1),
	description: z.string().optional(),
	variables: z.record(Identifier, Variable).default({}),
	metrics: z.record(Identifier, Metric).default({}),
	phases: z.array(Phase).min(1),
	rollback: z
		.strictObject({
			title: z.string().min(1),
			steps: z.array(Step).min(1),
		})
		.optional(),
	targets: z.record(Identifier, Target).default({}),
	pair: PairSettings.optional().describe('How the pair of four-eyes phases is verified; a target may say otherwise.'),
});

export type Runbook = z.output<typeof Runbook>;
export type RunbookInput = z.input<typeof Runbook>;
export type Phase = z.output<typeof Phase>;
export type Step = z.output<typeof Step>;
export type StepKind = Step['kind'];
export type CommandStep = z.output<typeof CommandStep>;
export type HttpStep = z.output<typeof HttpStep>;
export type WatchStep = z.output<typeof WatchStep>;
export type TrafficStep = z.output<typeof TrafficStep>;
export type LinkStep = z.output<typeof LinkStep>;
export type ExportStep = z.output<typeof ExportStep>;
export type ManualStep = z.output<typeof ManualStep>;
export type Gate = z.output<typeof Gate>;
export type TrafficShare = z.output<typeof TrafficShare>;
export type SyntheticLoad = z.output<typeof SyntheticLoad>;
export type GateWindow = z.output<typeof GateWindow>;
export type Capture = z.output<typeof Capture>;
export type Metric = z.output<typeof Metric>;
export type MetricSource = z.output<typeof MetricSource>;
export type Variable = z.output<typeof Variable>;
export type Target = z.output<typeof Target>;

/** Steps that run by themselves when their phase becomes current. */
export const isAutomated = (step: Step): boolean => step.kind !== 'manual' && step.kind !== 'link';

/** Traffic steps always change production; others say so explicitly. */
export const changesProduction = (step: Step): boolean =>
	step.kind === 'traffic' || step.changesProduction === true;

export const ROLLBACK_PHASE_ID = 'rollback';
