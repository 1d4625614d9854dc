// Which machine the rehearsal's Fly proxy hands a request to, by the rule Fly documents for its own
// proxy (superfly/docs, reference/load-balancing and reference/concurrency): the least loaded,
// closest machine; a machine's load is only its band against its concurrency limits — below
// `soft_limit`, at or above it, at `hard_limit` — not the exact number of requests it holds; among
// machines of the same band and closeness one is chosen at random. A machine at `hard_limit` gets
// nothing; one at or above `soft_limit` only when every other is there too. It does not split by
// machine count: with equal closeness and no machine near its soft limit, every request is a fair
// draw among the machines in service, which is what a share set by cordoning counts on.

/** Fly's default when fly.toml sets no `[http_service.concurrency]`: soft_limit 20, no hard_limit. */
export const DEFAULT_SOFT_LIMIT = 20;

export type BalancedMachine = {
	/** Requests it is handling right now (concurrency type "requests"). */
	inFlight: number;
	/** Round-trip time from the edge that took the request to the machine's worker, in ms. */
	rttMs: number;
	softLimit?: number;
	hardLimit?: number;
};

/** 0 below soft_limit, 1 at or above it, undefined at hard_limit (no new traffic). */
export const loadBand = (machine: BalancedMachine): 0 | 1 | undefined => {
	if (machine.hardLimit !== undefined && machine.inFlight >= machine.hardLimit) return undefined;
	return machine.inFlight >= (machine.softLimit ?? DEFAULT_SOFT_LIMIT) ? 1 : 0;
};

/**
 * The machine a request goes to, or undefined when every one is at its hard limit (Fly queues the
 * request then; the sandbox answers 503 like a proxy that gave up). `random` is in [0, 1).
 */
export const chooseMachine = <M extends BalancedMachine>(machines: readonly M[], random: () => number = Math.random): M | undefined => {
	const open = machines.flatMap((machine) => {
		const band = loadBand(machine);
		return band === undefined ? [] : [{machine, band}];
	});
	if (open.length === 0) return undefined;
	const band = Math.min(...open.map((entry) => entry.band));
	const inBand = open.filter((entry) => entry.band === band);
	const closest = Math.min(...inBand.map((entry) => entry.machine.rttMs));
	const ties = inBand.filter((entry) => entry.machine.rttMs === closest);
	return ties[Math.min(ties.length - 1, Math.floor(random() * ties.length))]?.machine;
};
