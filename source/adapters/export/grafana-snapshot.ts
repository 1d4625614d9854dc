import type {Colour, EngineEvent} from '../../engine/events.js';
import {incidents, type Incident} from './incidents.js';

// The observability snapshot: the gate samples recorded during the release as a dashboard that
// imports into any Grafana without a data source. The samples are embedded as data frames in
// queries of the built-in "-- Grafana --" data source (query type "snapshot"), the same way
// Grafana itself embeds data when a panel's data is saved with the dashboard.

export type GrafanaDashboardOptions = {
	title: string;
	/** Metric id → title and unit, for panel titles and axes. */
	metrics?: Record<string, {title: string; unit?: string}>;
};

const GRAFANA_DATASOURCE = {type: 'grafana', uid: 'grafana'};
const seriesColours: Record<Colour, string> = {green: 'green', blue: 'blue'};
const PANEL_WIDTH = 12;
const PANEL_HEIGHT = 8;

type Point = {ts: number; value: number | null};

/** Grafana unit ids for the units runbooks use. */
const grafanaUnit = (unit: string | undefined): string | undefined => {
	switch (unit) {
		case 'ms':
			return 'ms';
		case 's':
			return 's';
		case '%':
			return 'percent';
		default:
			return unit ? `suffix: ${unit}` : undefined;
	}
};

/** The absolute bound of a threshold such as "≤ 300 ms, ≤ 1.2× blue" (ratios are not a line). */
const absoluteBound = (threshold: string | undefined): number | undefined => {
	const match = threshold ? /[\u2264\u2265] (-?\d+(?:\.\d+)?)(?![\d.]| ?\u00d7)/.exec(threshold) : null;
	return match?.[1] === undefined ? undefined : Number(match[1]);
};

const frame = (metric: string, colour: Colour, points: Point[], unit: string | undefined) => ({
	schema: {
		name: colour,
		refId: 'A',
		fields: [
			{name: 'time', type: 'time', config: {}},
			{
				name: colour,
				type: 'number',
				labels: {metric, colour},
				config: {displayName: colour, unit: grafanaUnit(unit), color: {mode: 'fixed', fixedColor: seriesColours[colour]}},
			},
		],
	},
	data: {values: [points.map((point) => point.ts), points.map((point) => point.value)]},
});

/** The release's incidents as a table panel, in time order: what happened, where, and the values. */
const incidentPanel = (story: Incident[], id: number, y: number) => {
	const iso = (ts: number | undefined) => (ts === undefined ? null : new Date(ts).toISOString());
	const frameOf = {
		schema: {
			name: 'Zwischenfälle',
			refId: 'A',
			fields: [
				{name: 'Zeit', type: 'time', config: {}},
				{name: 'bis', type: 'string', config: {}},
				{name: 'Schritt', type: 'string', config: {}},
				{name: 'Gewicht', type: 'number', config: {unit: 'percent'}},
				{name: 'Art', type: 'string', config: {}},
				{name: 'Was', type: 'string', config: {}},
			],
		},
		data: {
			values: [
				story.map((incident) => incident.ts),
				story.map((incident) => iso(incident.until)),
				story.map((incident) => incident.where),
				story.map((incident) => incident.weight ?? null),
				story.map((incident) => incident.kind),
				story.map((incident) => incident.text),
			],
		},
	};
	return {
		id,
		type: 'table',
		title: 'Zwischenfälle',
		gridPos: {x: 0, y, w: 2 * PANEL_WIDTH, h: Math.min(20, 3 + story.length)},
		datasource: GRAFANA_DATASOURCE,
		targets: [{refId: 'A', datasource: GRAFANA_DATASOURCE, queryType: 'snapshot', snapshot: [frameOf]}],
		fieldConfig: {defaults: {custom: {align: 'auto', cellOptions: {type: 'auto'}}}, overrides: []},
		options: {showHeader: true, cellHeight: 'sm'},
	};
};

export const grafanaDashboard = (events: EngineEvent[], options: GrafanaDashboardOptions): Record<string, unknown> => {
	const series = new Map<string, {green: Point[]; blue: Point[]; threshold?: string}>();
	for (const event of events) {
		if (event.type !== 'gate-sampled') continue;
		const entry = series.get(event.metric) ?? {green: [], blue: []};
		entry[event.colour].push({ts: event.ts, value: event.value});
		if (event.colour === 'green' && event.threshold) entry.threshold = event.threshold;
		series.set(event.metric, entry);
	}
	const timestamps = events.map((event) => event.ts);
	const from = timestamps.length > 0 ? Math.min(...timestamps) : Date.now();
	const to = timestamps.length > 0 ? Math.max(...timestamps) : from;

	const panels = [...series.entries()].map(([metric, data], index) => {
		const info = options.metrics?.[metric];
		const bound = absoluteBound(data.threshold);
		const frames = (['green', 'blue'] as const)
			.filter((colour) => data[colour].length > 0)
			.map((colour) => frame(metric, colour, [...data[colour]].sort((a, b) => a.ts - b.ts), info?.unit));
		return {
			id: index + 1,
			type: 'timeseries',
			title: `${info?.title ?? metric}${data.threshold ? ` (Schwelle ${data.threshold})` : ''}`,
			gridPos: {x: (index % 2) * PANEL_WIDTH, y: Math.floor(index / 2) * PANEL_HEIGHT, w: PANEL_WIDTH, h: PANEL_HEIGHT},
			datasource: GRAFANA_DATASOURCE,
			targets: [{refId: 'A', datasource: GRAFANA_DATASOURCE, queryType: 'snapshot', snapshot: frames}],
			fieldConfig: {
				defaults: {
					unit: grafanaUnit(info?.unit),
					custom: {drawStyle: 'line', pointSize: 5, showPoints: 'always', spanNulls: false, thresholdsStyle: {mode: bound === undefined ? 'off' : 'line'}},
					thresholds: {
						mode: 'absolute',
						steps: [{color: 'transparent', value: null}, ...(bound === undefined ? [] : [{color: 'red', value: bound}])],
					},
				},
				overrides: [],
			},
			options: {legend: {displayMode: 'list', placement: 'bottom', showLegend: true}, tooltip: {mode: 'multi', sort: 'none'}},
		};
	});

	const story = incidents(events);
	if (story.length > 0) panels.push(incidentPanel(story, panels.length + 1, Math.ceil(panels.length / 2) * PANEL_HEIGHT) as never);

	return {
		title: options.title,
		uid: null,
		id: null,
		tags: ['greenlight', 'release'],
		timezone: 'utc',
		editable: true,
		schemaVersion: 39,
		version: 1,
		refresh: '',
		time: {from: new Date(from).toISOString(), to: new Date(to).toISOString()},
		templating: {list: []},
		annotations: {list: []},
		panels,
	};
};
