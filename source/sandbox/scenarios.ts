// Faults a rehearsal can inject. Each acts inside the sandbox's real servers or machines, so the
// runbook's own checks and gates have to catch it; greenlight itself knows nothing of them.

export const scenarios = [
	{name: 'green-latency', description: 'Green answers about 400 ms slower once it carries production traffic: the p95 gate of the traffic switch fails.'},
	{name: 'green-latency-subtle', description: 'Green takes 40 % longer for every request once it carries production traffic (p95 about +40 %, far below the absolute bound): only the comparison with blue can catch it.'},
	{name: 'green-5xx', description: 'Green answers a quarter of requests with 500 once it carries production traffic: the error-rate gate fails.'},
	{name: 'green-5xx-subtle', description: 'Green answers 2 % of requests with 500 once it carries production traffic, twice the 1 % the error-rate gate allows.'},
	{name: 'token-invalid-spike', description: 'Green rejects most tokens as invalid (a signing-key mismatch): the rate_token_invalid gate of the smoke phase fails.'},
	{name: 'token-invalid-subtle', description: 'Green rejects 15 % of valid tokens (one of several signing keys is missing): above the 10 % bound and far above blue.'},
	{name: 'contract-break', description: 'Green returns points as a string instead of an integer: the Prism contract suite reports the violation.'},
	{name: 'deploy-fails', description: 'Green machines crash on start: fly deploy fails and the release never reaches the smoke tests.'},
	{name: 'health-flap', description: 'Green /health answers 503 for half of every second: the health checks go critical.'},
	{
		name: 'skewed-share',
		description:
			"Blue's replay machines run on a worker nearer Fly's edge than its API machines: the proxy sends each request to the closest machine below its soft_limit, so green gets far more traffic than the weight; the share gate of the traffic switch fails.",
	},
	{name: 'metrics-outage', description: 'The API metrics endpoints answer 500 or garbage: every gate on them is unknown and blocks.'},
] as const satisfies ReadonlyArray<{name: string; description: string}>;

export type ScenarioName = (typeof scenarios)[number]['name'];

export const isScenario = (name: string | undefined): name is ScenarioName =>
	scenarios.some((scenario) => scenario.name === name);
