// What a synthetic load saw, request by request, and its figures over any window: how many
// requests, how many failed, and the latency quantiles of the answered ones. Pure: the load's
// worker feeds it, metric sources and the log read it.

/** One finished request: when it ended (ms since epoch), its latency (null: no answer), its status (0: no answer). */
export type LoadOutcome = {ts: number; ms: number | null; status: number};

export type LoadWindowStats = {
	/** Requests that ended in the window, answered or not. */
	requests: number;
	/** 5xx answers and requests without an answer (timeouts, refused connections). */
	errors: number;
	/** Latencies of the answered requests, in ms, in the order they ended. */
	latencies: number[];
	/** Answers per status code. */
	statuses: Record<string, number>;
	/** The span the window covered. */
	windowMs: number;
};

/** Requests kept at most: an hour at 50 per second; older ones fall out first. */
const OUTCOMES_KEPT = 180_000;

export const isLoadError = (outcome: LoadOutcome): boolean => outcome.ms === null || outcome.status >= 500;

/** The q-quantile of latencies by nearest rank: the smallest value with at least q of them at or below it. */
export const latencyQuantile = (latencies: readonly number[], q: number): number | null => {
	if (latencies.length === 0) return null;
	const sorted = [...latencies].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? null;
};

export type LoadRecord = {
	add: (outcomes: readonly LoadOutcome[]) => void;
	/** The requests that ended since `since` (default: since the load started), up to `now`. */
	window: (window: {since?: number; ms?: number}, now: number) => LoadWindowStats;
	startedAt: number;
};

export const createLoadRecord = (startedAt: number): LoadRecord => {
	let outcomes: LoadOutcome[] = [];
	return {
		startedAt,
		add: (more) => {
			outcomes.push(...more);
			if (outcomes.length > OUTCOMES_KEPT) outcomes = outcomes.slice(outcomes.length - OUTCOMES_KEPT);
		},
		window: (window, now) => {
			const since = Math.max(startedAt, window.since ?? (window.ms === undefined ? startedAt : now - window.ms));
			const inWindow = outcomes.filter((outcome) => outcome.ts >= since && outcome.ts <= now);
			const statuses: Record<string, number> = {};
			for (const outcome of inWindow) {
				const key = outcome.ms === null ? 'no answer' : String(outcome.status);
				statuses[key] = (statuses[key] ?? 0) + 1;
			}
			return {
				requests: inWindow.length,
				errors: inWindow.filter(isLoadError).length,
				latencies: inWindow.flatMap((outcome) => (outcome.ms === null ? [] : [outcome.ms])),
				statuses,
				windowMs: now - since,
			};
		},
	};
};

/** "412 requests in 15 s (27.5/s) · p50 18 ms · p95 31 ms · p99 45 ms · 0 errors (200 ×412)". */
export const describeLoadWindow = (stats: LoadWindowStats): string => {
	const seconds = stats.windowMs / 1000;
	const rate = seconds > 0 ? `${(stats.requests / seconds).toFixed(1)}/s` : '—';
	const quantile = (q: number, name: string) => {
		const value = latencyQuantile(stats.latencies, q);
		return `${name} ${value === null ? '—' : `${Math.round(value)} ms`}`;
	};
	const statuses = Object.entries(stats.statuses)
		.sort(([a], [b]) => a.localeCompare(b))
		.map(([status, count]) => `${status} ×${count}`)
		.join(', ');
	return [
		`${stats.requests} requests in ${seconds.toFixed(seconds >= 10 ? 0 : 1)} s (${rate})`,
		quantile(0.5, 'p50'),
		quantile(0.95, 'p95'),
		quantile(0.99, 'p99'),
		`${stats.errors} error${stats.errors === 1 ? '' : 's'}${statuses ? ` (${statuses})` : ''}`,
	].join(' · ');
};
