import {request as httpRequest} from 'node:http';

// Production's steady traffic on the public hostname: tenants checking points, browsing rewards, apps
// verifying tokens. Only the sandbox sends it; synthetic load at green is the runbook's (a watch's `load`).

export type LoadTarget = {url: string; rps: number};
export type LoadGenerator = {stop: () => void; sent: () => number};

const MAX_IN_FLIGHT = 64;
const TICK_MS = 20;
/** After a long stall the backlog beyond this many requests per target is dropped: no flood. */
const MAX_CATCH_UP = 20;
const tenants = ['baeckerei-schmidt', 'cafe-lindner', 'eisdiele-rossi', 'blumen-koch', 'friseur-aydin', 'buchladen-weber'];

let verifications = 0;

const pickRequest = (): {method: string; path: string; body?: string} => {
	const roll = Math.random();
	const tenant = tenants[Math.floor(Math.random() * tenants.length)] as string;
	if (roll < 0.5) return {method: 'GET', path: `/v1/tenants/${tenant}/points`};
	if (roll < 0.72) return {method: 'GET', path: '/v1/rewards'};
	if (roll < 0.95) {
		// 1 % of tokens in the wild are expired or forged: every hundredth, not a dice roll, so that a
		// fault-free rehearsal never sees two in the few verifications of a ten-second window by chance.
		verifications += 1;
		const token = verifications % 100 === 50 ? `invalid.${tenant}` : `${tenant}.${Math.random().toString(36).slice(2)}`;
		return {method: 'POST', path: '/v1/tokens/verify', body: JSON.stringify({token})};
	}
	return {method: 'GET', path: '/health'};
};

export const startLoad = (targets: LoadTarget[]): LoadGenerator => {
	let inFlight = 0;
	let sent = 0;
	let stopped = false;
	const pending = new Set<ReturnType<typeof httpRequest>>();
	const fire = (base: URL) => {
		if (stopped || inFlight >= MAX_IN_FLIGHT) return;
		const planned = pickRequest();
		inFlight += 1;
		sent += 1;
		const outgoing = httpRequest(
			{
				host: base.hostname,
				port: base.port,
				method: planned.method,
				path: planned.path,
				headers: planned.body ? {'content-type': 'application/json'} : {},
				timeout: 5_000,
			},
			(response) => {
				response.resume();
				response.on('end', done);
				response.on('error', done);
			},
		);
		let finished = false;
		function done() {
			if (finished) return;
			finished = true;
			inFlight -= 1;
			pending.delete(outgoing);
		}
		pending.add(outgoing);
		outgoing.on('timeout', () => outgoing.destroy());
		outgoing.on('error', done);
		outgoing.on('close', done);
		outgoing.end(planned.body);
	};
	// Requests are due by the clock, not by timer ticks: when the event loop lags (a busy machine, a
	// burst of work in this process), the ticks that come late send what is due, so the rate holds.
	const started = Date.now();
	const fired = targets.map(() => 0);
	const bases = targets.map((target) => new URL(target.url));
	const timer = setInterval(() => {
		const elapsed = Date.now() - started;
		targets.forEach((target, index) => {
			const due = Math.floor((elapsed * target.rps) / 1000);
			const backlog = Math.min(due - (fired[index] ?? 0), MAX_CATCH_UP);
			for (let count = 0; count < backlog; count += 1) fire(bases[index] as URL);
			fired[index] = due;
		});
	}, TICK_MS);
	return {
		stop: () => {
			stopped = true;
			clearInterval(timer);
			for (const outgoing of pending) outgoing.destroy();
			pending.clear();
		},
		sent: () => sent,
	};
};
