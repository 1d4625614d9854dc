import {logFileName} from '../adapters/step-output.js';
import type {EngineEvent, Verification} from '../engine/events.js';
import {describeComparison, formatValue, wholeCount} from '../engine/gate.js';
import {formatDuration} from '../runbook/duration.js';

const icons = {passed: '✓', failed: '✗', skipped: '↷', unknown: '?'} as const;

/** How a pair was identified, as the plain output says it; nothing for the driver at its keyboard. */
const verification = (verified: Verification | undefined): string =>
	verified === undefined ? '' : verified === 'name' ? ' (name only, not verified)' : ` (verified by ${verified === 'uid' ? 'Unix user' : 'SSH key'})`;

const clock = (ts: number): string => new Date(ts).toISOString().slice(11, 19);

/** One event as a plain line (or lines) for a log file or a terminal without a TTY. */
export const plainLines = (event: EngineEvent): string[] => {
	const at = clock(event.ts);
	switch (event.type) {
		case 'run-started':
			return [`${at} ▶ ${event.title} — target ${event.target || '(none)'}, session ${event.session}, operator ${event.operator}`];
		case 'run-resumed':
			return [`${at} ▶ resumed by ${event.operator}`];
		case 'operator-joined':
			return [`${at} + ${event.operator} joined${verification(event.verified)}`];
		case 'pair-refused':
			return [`${at} ⊘ refused${event.operator ? ` from ${event.operator}` : ''}: ${event.reason}`];
		case 'step-started':
			return [`${at}   … ${event.phase}/${event.step}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`];
		case 'step-output': {
			// A fast command's batch carries its last lines only; the log has the rest.
			const before = (event.count ?? event.lines.length) - event.lines.length;
			const log = event.log ?? logFileName(event.phase, event.step);
			const skipped = before > 0 ? [`           │ … ${before} earlier ${before === 1 ? 'line' : 'lines'} in logs/${log}`] : [];
			return [...skipped, ...event.lines.map((line) => `           │ ${line}`)];
		}
		case 'step-finished': {
			const names = Object.keys(event.captured ?? {}).filter((name) => !event.reason?.includes(name));
			const captured = names.length > 0 ? `; captured ${names.join(', ')}` : '';
			const reason = event.reason ? `: ${event.reason}` : '';
			return [`${at}   ${icons[event.status]} ${event.status} ${event.phase}/${event.step} (${formatDuration(event.durationMs)})${reason}${captured}`];
		}
		case 'step-ticked':
			return [`${at}   ✓ ticked ${event.phase}/${event.step}${event.item === undefined ? '' : ` item ${event.item + 1}`} by ${event.operator}`];
		case 'gate-sampled': {
			if (event.colour === 'blue') return [];
			const measured = event.value === null ? 'no value' : formatValue(event.value);
			// A share gate says what it measured beside what the lever was asked for.
			const value = event.share && event.weight !== undefined ? `weight ${event.weight} % · measured ${event.value === null ? '?' : `${measured} %`}` : measured;
			const verdict = event.insufficient ? '… insufficient' : {pass: '✓ pass', fail: '✗ fail', unknown: '? unknown'}[event.verdict];
			const weight = event.weight === undefined ? '' : ` at ${event.weight}%`;
			// Prometheus' increase() extrapolates: a count may come with decimals, a person reads whole requests.
			const count = event.count === undefined ? '' : ` over ${wholeCount(event.count)}${event.needed === undefined ? '' : ` of ${event.needed} needed`}`;
			// The effect against blue and its confidence, next to the absolute value.
			const effect = event.comparison ? `; ${describeComparison(event.metric, event.comparison)}` : '';
			return [`${at}     gate ${event.metric}${weight}: ${value}${count} ${verdict} (${event.threshold ?? ''})${event.reason ? ` — ${event.reason}` : ''}${effect}`];
		}
		case 'traffic-shifted':
			return [`${at}     traffic: ${event.weight}% on green`];
		case 'phase-confirmed':
			return [`${at} ✔ phase ${event.phase} confirmed by ${event.operator}${verification(event.verified)}`];
		case 'override-given':
			return [`${at} ⚑ BREAK-GLASS override of ${event.phase}/${event.step} by ${event.operator}: ${event.reason}`];
		case 'rollback-started':
			return [`${at} ↩ ROLLBACK started by ${event.operator}: ${event.reason}`];
		case 'note-added':
			return [`${at} ✎ note by ${event.operator}: ${event.text}`];
		case 'outcome-decided':
			return [`${at}   ${event.phase}/${event.step}: outcome decided "${event.decision}" by ${event.operator}`];
		case 'run-finished':
			return [`${at} ■ ${event.outcome}${event.reason ? `: ${event.reason}` : ''}`];
	}
};

export const printEvents = (write: (text: string) => void, json: boolean) => (event: EngineEvent) => {
	if (json) {
		write(`${JSON.stringify(event)}\n`);
		return;
	}
	for (const line of plainLines(event)) write(`${line}\n`);
};
