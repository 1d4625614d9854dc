import type {EngineEvent, GateSampled} from '../../engine/events.js';
import {ROLLBACK_PHASE_ID} from '../../runbook/schema.js';

// The story of a release that did not go straight through, in the order it happened: failed gate
// samples, failed attempts, retries, bakes that waited for evidence, overrides, the rollback. One
// list for the release record ("Zwischenfälle") and the Grafana snapshot, built from the journal's
// events alone.

export type IncidentKind =
	| 'failed-sample'
	| 'step-failed'
	| 'retry'
	| 'passed-after-retry'
	| 'waited'
	| 'unknown'
	| 'override'
	| 'rollback'
	| 'pair-refused'
	| 'run-ended';

export type Incident = {
	ts: number;
	/** The last moment of a wait; absent for a single moment. */
	until?: number;
	kind: IncidentKind;
	/** "traffic-switch/traffic-erhoehen", or "" for the whole run. */
	where: string;
	/** The traffic weight at that moment, for traffic steps. */
	weight?: number;
	/** What happened, in German, with the values. */
	text: string;
};

const ref = (event: {phase: string; step: string}): string => `${event.phase}/${event.step}`;

/** Every incident of a release, in time order. A release that went straight through has none. */
export const incidents = (events: readonly EngineEvent[]): Incident[] => {
	const found: Incident[] = [];
	let driver = '';
	/** Steps that failed or ended unknown, so their next start is a retry and their next pass one after a retry. */
	const troubled = new Set<string>();
	/** The open wait for evidence per step: since when, the sample that explains it, and that gate's latest. */
	const waits = new Map<string, Incident & {why?: GateSampled; latest?: GateSampled; lastTs: number}>();
	const closeWait = (key: string) => {
		const wait = waits.get(key);
		if (!wait) return;
		waits.delete(key);
		const {why, latest, lastTs, ...incident} = wait;
		const reason = why ? `: ${why.metric} ${why.reason ?? 'unknown'}` : '';
		const after = latest && latest !== why ? `; danach ${latest.metric} ${latest.verdict === 'pass' ? 'hält' : (latest.reason ?? 'unbekannt')}${latest.count === undefined ? '' : ` (n=${latest.count})`}` : '';
		found.push({...incident, until: lastTs, text: `${incident.text}${reason}${after}`});
	};

	for (const event of events) {
		switch (event.type) {
			case 'run-started':
				driver = event.operator;
				break;
			case 'run-resumed':
				driver = event.operator;
				break;
			case 'gate-sampled': {
				if (event.colour !== 'green') break;
				const key = ref(event);
				const weight = event.weight === undefined ? {} : {weight: event.weight};
				if (event.verdict === 'fail') {
					found.push({ts: event.ts, kind: 'failed-sample', where: key, ...weight, text: `Probe ${event.metric} verletzt: ${event.reason ?? event.threshold ?? ''}`.trim()});
				}
				if (event.extended) {
					let wait = waits.get(key);
					if (wait && wait.weight !== event.weight) {
						closeWait(key);
						wait = undefined;
					}
					if (!wait) {
						wait = {ts: event.ts, kind: 'waited', where: key, ...weight, text: `${event.weight === undefined ? 'Beobachtung' : 'Bake'} verlängert, zu wenig Belege`, lastTs: event.ts};
						waits.set(key, wait);
					}
					wait.lastTs = event.ts;
					if (!wait.why && event.verdict !== 'pass') wait.why = event;
					if (wait.why?.gate === event.gate) wait.latest = event;
				}
				break;
			}
			case 'traffic-shifted':
				closeWait(ref(event));
				break;
			case 'step-started': {
				const key = ref(event);
				closeWait(key);
				if (event.attempt > 1 && troubled.has(key)) {
					found.push({ts: event.ts, kind: 'retry', where: key, text: `neuer Versuch (${event.attempt}.)${driver ? ` durch ${driver}` : ''}`});
				}
				break;
			}
			case 'step-finished': {
				const key = ref(event);
				closeWait(key);
				if (event.status === 'failed') {
					troubled.add(key);
					found.push({ts: event.ts, kind: 'step-failed', where: key, text: `fehlgeschlagen: ${event.reason ?? 'ohne Grund'}`});
				} else if (event.status === 'unknown') {
					troubled.add(key);
					found.push({ts: event.ts, kind: 'unknown', where: key, text: `Ausgang unbekannt: ${event.reason ?? 'ohne Grund'}`});
				} else if (event.status === 'passed' && troubled.has(key)) {
					troubled.delete(key);
					found.push({ts: event.ts, kind: 'passed-after-retry', where: key, text: `bestanden nach neuem Versuch${event.reason ? `: ${event.reason}` : ''}`});
				}
				break;
			}
			case 'override-given':
				found.push({ts: event.ts, kind: 'override', where: ref(event), text: `Break-Glass-Override durch ${event.operator}: ${event.reason}`});
				break;
			case 'pair-refused':
				// A pair's message that was not acted on: an audit control saying no is part of the story.
				found.push({ts: event.ts, kind: 'pair-refused', where: '', text: `Nachricht des Pairs abgelehnt${event.operator ? ` (${event.operator})` : ''}: ${event.reason}`});
				break;
			case 'rollback-started':
				found.push({ts: event.ts, kind: 'rollback', where: ROLLBACK_PHASE_ID, text: `Rollback gestartet durch ${event.operator}: ${event.reason}`});
				break;
			case 'run-finished':
				for (const key of [...waits.keys()]) closeWait(key);
				if (event.outcome !== 'completed') {
					found.push({ts: event.ts, kind: 'run-ended', where: '', text: `Lauf beendet: ${event.outcome}${event.reason ? ` (${event.reason})` : ''}`});
				}
				break;
			default:
				break;
		}
	}
	for (const key of [...waits.keys()]) closeWait(key);
	// Waits are written when they end; the story is told by when things began.
	return found.sort((a, b) => a.ts - b.ts);
};
