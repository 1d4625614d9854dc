// How much production traffic the sandbox sends on the public hostname at a rehearsal speed. Green's
// own hostname gets none from the sandbox: the runbook's smoke watch drives its synthetic load there
// itself, as it does in production. Its own module: `--help` states it without loading the sandbox.

/**
 * The production the sandbox stands in for, in requests a second at speed 1. A rehearsal divides
 * every bake by its speed, so the sandbox multiplies this rate by it: a gate sees as many requests
 * in a compressed bake as it would in production's whole one, and its minCount means the same in
 * both. Six a second is about the least the seed runbook's traffic gates ask for: 30 token
 * verifications and 200 requests at 20 % within a 2-minute bake.
 */
export const PRODUCTION_RPS = 6;
/** What one process serving the proxies, the machines and the load keeps up with on a small machine. */
export const MAX_SANDBOX_RPS = 240;
/** The sandbox's load at a rehearsal speed: production's rate compressed as time is, within what the host keeps up with. */
export const sandboxRps = (speed: number): number => Math.min(MAX_SANDBOX_RPS, Math.max(1, Math.round(PRODUCTION_RPS * speed)));
/** "120 rps (6 rps × speed 20)"; above the cap it says so: the gates then wait longer for their evidence. */
export const describeLoad = (speed: number): string => {
	const rps = sandboxRps(speed);
	const compressed = `${PRODUCTION_RPS} rps × speed ${speed}`;
	return rps < PRODUCTION_RPS * speed ? `${rps} rps (${compressed}, capped)` : `${rps} rps (${compressed})`;
};
