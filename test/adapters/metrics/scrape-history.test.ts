import {describe, expect, it} from 'vitest';
import type {ExposedSeries} from '../../../source/adapters/metrics/exposition.js';
import {seriesHistory, seriesIncreases} from '../../../source/adapters/metrics/scrape-source.js';
import {collector} from '../../helpers/collector.js';

/** A small deterministic generator, so a failure names the seed that found it. */
const random = (seed: number) => {
	let state = seed;
	return () => {
		state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
		return state / 2 ** 31;
	};
};

const plain = (increases: ReturnType<typeof seriesIncreases>) =>
	Object.fromEntries([...increases].map(([key, {series, increase}]) => [key, {labels: series.labels, increase}]));

describe('scrape history: increases from running totals', () => {
	it('given counters that grow, reset, vanish, come back and are created mid-window, every window sums as seriesIncreases does', () => {
		for (let seed = 1; seed <= 40; seed++) {
			const next = random(seed);
			const history = seriesHistory();
			const values = new Map<string, number>();
			const kept: Array<{series: ExposedSeries[]}> = [];
			for (let tick = 0; tick < 60; tick++) {
				const series: ExposedSeries[] = [];
				for (const instance of ['m1', 'm2', 'm3', 'm4']) {
					// m3 shows up late, m4 comes and goes.
					if (instance === 'm3' && tick < 20) continue;
					if (instance === 'm4' && next() < 0.3) continue;
					let value = (values.get(instance) ?? Math.floor(next() * 50)) + Math.floor(next() * 20);
					if (next() < 0.05) value = Math.floor(next() * 5);
					values.set(instance, value);
					series.push({name: 'requests_total', labels: {instance}, value});
				}
				const scrape = {ts: tick * 1000, series};
				history.append(scrape, scrape);
				kept.push(scrape);
				history.trim((tick - 30) * 1000);
				for (const from of [tick - 30, tick - 10, tick - 1].filter((start) => start >= 0)) {
					const window = history.since(from * 1000);
					if (window.length < 2) continue;
					expect(plain(history.increasesFrom(window[0]!)), `seed ${seed}, tick ${tick}, from ${from}`).toEqual(
						plain(seriesIncreases(kept.slice(from))),
					);
				}
			}
		}
	});
});

describe('scrape history: memory', () => {
	it('given scrapes appended, then only the newest keeps what it was read from', async () => {
		const gc = collector();
		const history = seriesHistory();
		const pages: Array<WeakRef<object>> = [];
		for (let tick = 0; tick < 3; tick++) {
			const page = {text: `page ${tick}`};
			pages.push(new WeakRef(page));
			history.append({ts: tick * 1000, series: [{name: 'requests_total', labels: {}, value: tick}]}, page);
		}
		await new Promise((resolve) => setImmediate(resolve));
		gc();
		expect(pages.map((page) => page.deref() !== undefined)).toEqual([false, false, true]);
		expect(history.since(0)).toHaveLength(3);
	});
});
