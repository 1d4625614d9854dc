import type {MetricSource} from '../../runbook/schema.js';
import {readCommand} from './command-source.js';
import {readHttpJson} from './http-json-source.js';
import {readLoad} from './load-source.js';
import {readPrometheus} from './prometheus-source.js';
import {unknown, type MetricReader} from './reading.js';
import {createScrapeReader} from './scrape-source.js';

export type {MetricReader, MetricReading, MetricReadContext} from './reading.js';

/** One reader for every kind of source. Stateful: `scrape` sources keep their sliding window here. */
export const createMetricReader = (clock: () => number = Date.now): MetricReader => {
	const readScrape = createScrapeReader(clock);
	return {
		read: async (source: MetricSource, context) => {
			// A reading is evidence or the reason there is none; a source must never take the run down.
			try {
				switch (source.type) {
					case 'prometheus':
						return await readPrometheus(source, context);
					case 'scrape':
						return await readScrape(source, context);
					case 'http-json':
						return await readHttpJson(source, context);
					case 'command':
						return await readCommand(source, context);
					case 'load':
						return readLoad(source, context);
				}
			} catch (error) {
				return unknown((error as Error).message);
			}
		},
	};
};
