import {mkdir, open, readdir, rename, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {StringDecoder} from 'node:string_decoder';
import type {EngineEvent} from '../../engine/events.js';
import type {Runbook} from '../../runbook/schema.js';
import {openLogWriter} from '../log-writer.js';
import {createOutputSplitter, MAX_LINE_CHARS} from '../output-splitter.js';
import {mapStrings, type Redactor} from '../redactor.js';
import {sessionPaths} from '../session-folder.js';
import {grafanaDashboard} from './grafana-snapshot.js';
import {releaseRecord} from './release-record.js';

export type ExportOptions = {
	events: EngineEvent[];
	sessionDir: string;
	/** The repository root: the record goes to <outDir>/docs/releases/. */
	outDir: string;
	/** Where the snapshot goes instead of <sessionDir>/export/ (greenlight export --out). */
	snapshotDir?: string;
	version: string;
	redactor: Redactor;
	/** Phase id → title, for the record. */
	phaseTitles?: Record<string, string>;
	/** Metric id → title and unit, for the dashboard. */
	metrics?: Record<string, {title: string; unit?: string}>;
};

/** Phase titles and metric names of a runbook, for the release record and the dashboard. */
export const exportTitles = (runbook: Runbook): Pick<ExportOptions, 'phaseTitles' | 'metrics'> => ({
	phaseTitles: Object.fromEntries(
		[...runbook.phases, ...(runbook.rollback ? [{id: 'rollback', title: runbook.rollback.title}] : [])].map((phase) => [phase.id, phase.title]),
	),
	metrics: Object.fromEntries(Object.entries(runbook.metrics).map(([id, metric]) => [id, {title: metric.title, unit: metric.unit}])),
});

export type ExportPaths = {recordPath: string; snapshotDir: string};

/** A version as a file name: "1.4.0" or "v1.4.0" → "v1.4.0"; anything path-like is flattened. */
export const recordFileName = (version: string): string => `v${version.replace(/^v/, '').replace(/[^\w.-]+/g, '-')}.md`;

/**
 * Copies a log through the redactor a block of whole lines at a time (one very long line in
 * pieces), with backpressure and reused buffers: a million lines or one line of 100 MB never sit in
 * memory whole. Written whole or not at all, like the record.
 */
const redactFile = async (source: string, target: string, redactor: Redactor): Promise<void> => {
	await mkdir(path.dirname(target), {recursive: true});
	const draft = `${target}.${process.pid}.tmp`;
	const output = openLogWriter(draft, {exclusive: true});
	const redact = redactor.stream();
	const splitter = createOutputSplitter((text) => {
		output.append(redact.lines(text));
	});
	const decoder = new StringDecoder('utf8');
	const buffer = Buffer.allocUnsafe(MAX_LINE_CHARS);
	const input = await open(source, 'r');
	try {
		for (let read = await input.read(buffer, 0, buffer.length); read.bytesRead > 0; read = await input.read(buffer, 0, buffer.length)) {
			splitter.push(decoder.write(buffer.subarray(0, read.bytesRead)));
			await output.behind();
		}
		splitter.push(decoder.end());
		splitter.end();
	} finally {
		await input.close();
	}
	// An empty log still gets its (empty) copy.
	output.append('');
	const done = await output.mark();
	await output.close();
	if (done.failure) throw new Error(done.failure);
	await rename(draft, target);
};

/** Written whole or not at all: a reader never sees half a record. */
const writeAtomically = async (file: string, text: string) => {
	await mkdir(path.dirname(file), {recursive: true});
	const draft = `${file}.${process.pid}.tmp`;
	await writeFile(draft, text);
	await rename(draft, file);
};

/**
 * Writes the release record to <outDir>/docs/releases/v<version>.md and the observability snapshot
 * (dashboard.json and the command logs) to <sessionDir>/export/. Everything passes the redactor once
 * more: the journal was redacted when written, but a log or an older journal may not have been.
 */
export const writeExports = async (options: ExportOptions): Promise<ExportPaths> => {
	const {redactor} = options;
	const events = options.events.map((event) => redactor.redactEvent(event));
	const started = events.find((event) => event.type === 'run-started');
	const version = options.version.replace(/^v/, '');

	const recordPath = path.join(options.outDir, 'docs', 'releases', recordFileName(version));
	const record = releaseRecord(events, {version, runbookTitle: started?.title, phaseTitles: options.phaseTitles});
	await writeAtomically(recordPath, redactor.redactText(record));

	const {exports: sessionSnapshot, logs: logsDir} = sessionPaths(options.sessionDir);
	const snapshotDir = options.snapshotDir ?? sessionSnapshot;
	const dashboard = grafanaDashboard(events, {
		title: `${started?.title ?? 'Release'} v${version}`,
		metrics: options.metrics,
	});
	await writeAtomically(path.join(snapshotDir, 'dashboard.json'), `${JSON.stringify(mapStrings(dashboard, redactor.redactText), null, 2)}\n`);

	const logs = await readdir(logsDir).catch(() => [] as string[]);
	for (const name of logs.filter((entry) => entry.endsWith('.log')).sort()) {
		await redactFile(path.join(logsDir, name), path.join(snapshotDir, 'logs', name), redactor);
	}
	return {recordPath, snapshotDir};
};
