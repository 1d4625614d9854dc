import type {EngineEvent, GateSampled, RunOutcome, Verdict, Verification} from '../../engine/events.js';
import {describeComparison, formatValue} from '../../engine/gate.js';
import {ROLLBACK_PHASE_ID} from '../../runbook/schema.js';
import {incidents} from './incidents.js';

// The release record (docs/releases/vX.Y.Z.md): a draft a person finishes, built from the journal's
// events alone, so `greenlight export` can write it again from any session.

export type ReleaseRecordOptions = {
	version: string;
	runbookTitle?: string;
	/** Phase id → title; without it the record names phases by id. */
	phaseTitles?: Record<string, string>;
};

const outcomeWords: Record<RunOutcome, string> = {
	completed: 'abgeschlossen',
	stopped: 'gestoppt (fortsetzbar)',
	failed: 'fehlgeschlagen',
	'rolled-back': 'zurückgerollt',
};

const verdictWords: Record<Verdict, string> = {pass: 'hält', fail: 'verletzt', unknown: 'unbekannt'};

const pad = (value: number): string => String(value).padStart(2, '0');

/** Times in UTC, said so: the record is read later and elsewhere. */
const dateTime = (ts: number): string => {
	const date = new Date(ts);
	return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${time(ts)}`;
};

const time = (ts: number): string => {
	const date = new Date(ts);
	return `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} UTC`;
};

export const duration = (ms: number): string => {
	const seconds = Math.max(0, Math.round(ms / 1000));
	if (seconds < 60) return `${seconds}s`;
	const minutes = Math.floor(seconds / 60);
	if (minutes < 60) return `${minutes}m ${pad(seconds % 60)}s`;
	return `${Math.floor(minutes / 60)}h ${pad(minutes % 60)}m`;
};

/** A table cell: one line, no column breaks. */
const cell = (text: string): string => text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');

const table = (head: string[], rows: string[][]): string[] => [
	`| ${head.join(' | ')} |`,
	`| ${head.map(() => '---').join(' | ')} |`,
	...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
];

type PhaseTiming = {id: string; startedAt?: number; confirmedAt?: number; confirmedBy: string[]};

/** A confirmation as the record names it: a pair known by name only is marked, as on the screen. */
const confirmer = (event: {operator: string; verified?: Verification}): string =>
	event.verified === 'name' ? `${event.operator} (nicht verifiziert)` : event.operator;

/** How the second pair of eyes was verified, from the confirmations the pair gave. */
const fourEyes = (events: readonly EngineEvent[]): string | undefined => {
	const byPair = events.flatMap((event) => (event.type === 'phase-confirmed' && event.verified !== undefined ? [{operator: event.operator, verified: event.verified}] : []));
	if (byPair.length === 0) return undefined;
	const words = {uid: 'als anderer Unix-Benutzer', 'ssh-key': 'per SSH-Signatur', name: 'nur mit Namen'} as const;
	const unverified = byPair.filter((event) => event.verified === 'name');
	const ways = [...new Set(byPair.map((event) => `${event.operator} ${words[event.verified]}`))].join(', ');
	return unverified.length > 0 ? `nicht verifiziert (${ways})` : `verifiziert (${ways})`;
};

/** Phases in the order they were reached; each starts when the one before is confirmed (or the run starts). */
const phaseTimings = (events: EngineEvent[]): PhaseTiming[] => {
	const phases = new Map<string, PhaseTiming & {firstSeen: number}>();
	const touch = (id: string, ts: number) => {
		if (id === ROLLBACK_PHASE_ID) return undefined;
		let phase = phases.get(id);
		if (!phase) {
			phase = {id, confirmedBy: [], firstSeen: ts};
			phases.set(id, phase);
		}
		return phase;
	};
	for (const event of events) {
		if (!('phase' in event)) continue;
		const phase = touch(event.phase, event.ts);
		if (phase && event.type === 'phase-confirmed') {
			phase.confirmedBy.push(confirmer(event));
			phase.confirmedAt = event.ts;
		}
	}
	const runStarted = events.find((event) => event.type === 'run-started')?.ts;
	const ordered = [...phases.values()];
	return ordered.map((phase, index) => ({
		...phase,
		startedAt: (index === 0 ? runStarted : ordered[index - 1]?.confirmedAt) ?? phase.firstSeen,
	}));
};

type GateRow = {
	ref: string;
	metric: string;
	green?: GateSampled;
	blue?: GateSampled;
	samples: number;
};

/** One row per gate and attempt: a gate that failed and then held on a retry shows both attempts with their values. */
const gateRows = (events: EngineEvent[]): GateRow[] => {
	const rows = new Map<string, GateRow>();
	const attempts = new Map<string, number>();
	for (const event of events) {
		if (event.type === 'step-started') attempts.set(`${event.phase}/${event.step}`, event.attempt);
		if (event.type !== 'gate-sampled') continue;
		const step = `${event.phase}/${event.step}`;
		const attempt = attempts.get(step) ?? 1;
		const key = `${step}#${event.gate}@${attempt}`;
		const row = rows.get(key) ?? {ref: attempt > 1 ? `${step} (Versuch ${attempt})` : step, metric: event.metric, samples: 0};
		if (event.colour === 'green') {
			row.green = event;
			row.samples += 1;
		} else {
			row.blue = event;
		}
		rows.set(key, row);
	}
	// An earlier attempt is labelled as one when a later one exists.
	const retried = new Set([...rows.values()].filter((row) => row.ref.includes(' (Versuch ')).map((row) => row.ref.split(' (')[0]));
	return [...rows.values()].map((row) => (retried.has(row.ref) ? {...row, ref: `${row.ref} (Versuch 1)`} : row));
};

const value = (sample: GateSampled | undefined): string =>
	sample ? `${sample.value === null ? 'kein Wert' : formatValue(sample.value)}${sample.count === undefined ? '' : ` (n=${sample.count})`}` : '—';

const judged = (sample: GateSampled): string => {
	const words = sample.insufficient ? 'zu wenig Daten' : verdictWords[sample.verdict];
	const effect = sample.comparison && sample.comparison.test !== 'values' ? describeComparison(sample.metric, sample.comparison) : undefined;
	// A failing ratio gate's reason already names the effect.
	const details = [sample.reason, effect && !sample.reason?.includes(effect) ? effect : undefined].filter((part): part is string => Boolean(part));
	return `${words}${details.length > 0 ? ` (${details.join('; ')})` : ''}`;
};

export const releaseRecord = (events: EngineEvent[], options: ReleaseRecordOptions): string => {
	const version = options.version.replace(/^v/, '');
	const started = events.find((event) => event.type === 'run-started');
	const finished = [...events].reverse().find((event) => event.type === 'run-finished');
	const title = options.runbookTitle ?? started?.title ?? 'Release';
	const phaseTitle = (id: string) => options.phaseTitles?.[id] ?? id;
	const operators = [
		...new Set(
			events.flatMap((event) =>
				'operator' in event && event.operator !== 'greenlight' ? [event.operator] : [],
			),
		),
	];
	const joined = events.filter((event) => event.type === 'operator-joined').map((event) => event.operator);
	const resumed = events.filter((event) => event.type === 'run-resumed');
	const decisions = events.filter((event) => event.type === 'outcome-decided');
	const overrides = events.filter((event) => event.type === 'override-given');
	const rollback = events.find((event) => event.type === 'rollback-started');
	const rollbackSteps = events.filter((event) => event.type === 'step-finished' && event.phase === ROLLBACK_PHASE_ID);
	const notes = events.filter((event) => event.type === 'note-added');

	const lines: string[] = [`# Release v${version} (Entwurf)`, '', `Runbook: ${title}`, '', '## Release', ''];
	if (started) {
		lines.push(
			`- **Wer:** ${started.operator} (Fahrer)${joined.length > 0 ? `; beigetreten: ${[...new Set(joined)].join(', ')}` : ''}`,
			`- **Beteiligte:** ${operators.join(', ')}`,
			`- **Wann:** ${dateTime(started.ts)}${finished ? ` bis ${dateTime(finished.ts)} (${duration(finished.ts - started.ts)})` : ''}`,
			`- **Ziel (target):** ${started.target || 'ohne Target'}`,
			`- **Session:** ${started.session}`,
		);
	} else {
		lines.push('- Kein run-started im Journal: Start unbekannt.');
	}
	lines.push(
		finished
			? `- **Ergebnis:** ${outcomeWords[finished.outcome]}${finished.reason ? ` (${finished.reason})` : ''}`
			: '- **Ergebnis:** offen (kein Abschluss im Journal)',
	);
	const eyes = fourEyes(events);
	if (eyes) lines.push(`- **Vier-Augen:** ${eyes}`);
	if (resumed.length > 0) {
		lines.push(`- **Fortgesetzt:** ${resumed.map((event) => `${time(event.ts)} von ${event.operator}`).join('; ')}`);
	}
	for (const decision of decisions) {
		const words = {rerun: 'neu ausführen', done: 'als erledigt markiert', failed: 'als fehlgeschlagen markiert'}[decision.decision];
		lines.push(`- **Ausgang unbekannt** bei ${decision.phase}/${decision.step}: ${words} von ${decision.operator} (${time(decision.ts)})`);
	}

	lines.push('', '## Phasen mit Dauer', '');
	lines.push(
		...table(
			['Phase', 'gestartet', 'bestätigt von', 'Dauer'],
			phaseTimings(events).map((phase) => [
				phaseTitle(phase.id),
				phase.startedAt === undefined ? '—' : time(phase.startedAt),
				phase.confirmedBy.length > 0 ? phase.confirmedBy.join(' + ') : 'nicht bestätigt',
				phase.confirmedAt !== undefined && phase.startedAt !== undefined ? duration(phase.confirmedAt - phase.startedAt) : '—',
			]),
		),
	);

	lines.push('', '## Zwischenfälle', '');
	const story = incidents(events);
	if (story.length === 0) lines.push('Keine: jede Prüfung hielt beim ersten Versuch.');
	for (const incident of story) {
		const when = incident.until !== undefined && incident.until !== incident.ts ? `${time(incident.ts).replace(' UTC', '')}–${time(incident.until)}` : time(incident.ts);
		const where = incident.where ? ` ${incident.where}${incident.weight === undefined ? '' : ` bei ${incident.weight} %`}:` : '';
		lines.push(`- ${when}${where} ${incident.text.replace(/\r?\n/g, ' ')}`);
	}

	lines.push('', '## Gates mit Werten', '');
	const gates = gateRows(events);
	if (gates.length === 0) {
		lines.push('Keine Gate-Messungen.');
	} else {
		lines.push(
			...table(
				['Schritt', 'Metrik', 'letzter Wert green / blue', 'Schwelle', 'Urteil', 'samples'],
				gates.map((row) => [
					row.ref,
					row.metric,
					`${value(row.green)} / ${value(row.blue)}`,
					row.green?.threshold ?? '—',
					row.green ? judged(row.green) : '—',
					String(row.samples),
				]),
			),
		);
	}

	lines.push('', '## Overrides mit Begründung', '');
	if (overrides.length === 0) {
		lines.push('Keine.');
	} else {
		lines.push(
			...table(
				['Schritt', 'von', 'wann', 'Begründung'],
				overrides.map((event) => [`${event.phase}/${event.step}`, event.operator, time(event.ts), event.reason]),
			),
		);
	}

	lines.push('', `## Break-Glass: ${overrides.length > 0 ? 'ja' : 'nein'}`, '');
	if (overrides.length > 0) lines.push(`${overrides.length} Override(s), siehe oben.`, '');

	lines.push(`## Rollback: ${rollback ? 'ja' : 'nein'}`, '');
	if (rollback) {
		lines.push(`- **Grund:** ${rollback.reason}`, `- **Ausgelöst von:** ${rollback.operator}`, `- **Wann:** ${time(rollback.ts)}`);
		for (const step of rollbackSteps) {
			if (step.type === 'step-finished') lines.push(`- ${step.step}: ${step.status}${step.reason ? ` (${step.reason})` : ''}`);
		}
		lines.push('');
	}

	lines.push('## Notizen', '');
	if (notes.length === 0) lines.push('Keine.');
	for (const note of notes) lines.push(`- ${time(note.ts)} ${note.operator}: ${note.text.replace(/\r?\n/g, ' ')}`);

	lines.push('', '## Lessons Learned', '', '<!-- Nach dem Go-Live ausfüllen: was lief gut, was nicht, was ändern wir? -->', '');
	return lines.join('\n');
};
