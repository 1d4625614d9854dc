import {describe, expect, it} from 'vitest';
import {releaseRecord} from '../../../source/adapters/export/release-record.js';
import {calmRelease, releaseEvents, retriedRelease} from './release-events.js';

const section = (record: string, heading: string): string => {
	const start = record.indexOf(`\n${heading}`);
	if (start === -1) throw new Error(`no section "${heading}" in:\n${record}`);
	const end = record.indexOf('\n## ', start + 1);
	return record.slice(start, end === -1 ? undefined : end);
};

describe('release record', () => {
	const record = releaseRecord(releaseEvents(), {version: '1.4.0', phaseTitles: {smoke: 'Smoke-Tests & Health-Checks'}});

	it('given a rolled-back release, then the draft names who, when, target, session and the outcome', () => {
		expect(record.startsWith('# Release v1.4.0 (Entwurf)\n')).toBe(true);
		const release = section(record, '## Release');
		expect(release).toContain('**Wer:** alice (Fahrer); beigetreten: bob');
		expect(release).toContain('**Wann:** 2026-11-26 22:10:00 UTC bis 2026-11-26 22:13:50 UTC (3m 50s)');
		expect(release).toContain('**Ziel (target):** production');
		expect(release).toContain('**Session:** 2026-11-26T23-10-00-ab12');
		expect(release).toContain('**Ergebnis:** zurückgerollt');
	});

	it('given confirmed phases, then each phase has its start, who confirmed and how long it took', () => {
		const phases = section(record, '## Phasen mit Dauer');
		expect(phases).toContain('| Phase | gestartet | bestätigt von | Dauer |');
		expect(phases).toContain('| prep | 22:10:00 UTC | alice | 1m 30s |');
		expect(phases).toContain('| Smoke-Tests & Health-Checks | 22:11:30 UTC | alice | 1m 30s |');
		expect(phases).toContain('| switch | 22:13:00 UTC | nicht bestätigt | — |');
		expect(phases).not.toContain('rollback');
	});

	it('given gate samples, then each gate shows its last green and blue value, bound, verdict and sample count', () => {
		const gates = section(record, '## Gates mit Werten');
		expect(gates).toContain('| smoke/observe | p95 | 182 / 170 | ≤ 300 ms, ≤ 1.2× blue | hält | 2 |');
		expect(gates).toContain('| smoke/observe | errors | 0.50 / — | ≤ 1 % | hält | 3 |');
		expect(gates).toContain('| switch/shift | p95 | 420 / — | ≤ 300 ms | verletzt (p95 420 ms > 300 ms) | 1 |');
	});

	it('given a break-glass override and a rollback, then both are marked ja with reason and operator', () => {
		expect(section(record, '## Overrides mit Begründung')).toContain(
			'| smoke/contract | alice | 22:12:50 UTC | known false positive in /health schema, ticket OPS-17 |',
		);
		expect(record).toContain('\n## Break-Glass: ja\n');
		const rollback = section(record, '## Rollback: ja');
		expect(rollback).toContain('**Grund:** p95 regression on green');
		expect(rollback).toContain('**Ausgelöst von:** bob');
		expect(rollback).toContain('uncordon-blue: passed');
	});

	it('given notes, then they are listed with time and author, and Lessons Learned is left to fill', () => {
		expect(section(record, '## Notizen')).toContain('- 22:13:25 UTC bob: p95 jumps at 10 %, rolling back (no-secret-here)');
		expect(section(record, '## Lessons Learned').split('\n').filter((line) => line.startsWith('- '))).toEqual([]);
		expect(record.trimEnd().endsWith('-->')).toBe(true);
	});

	it('given a calm release with a pair phase, then Break-Glass and Rollback are nein and both confirmers are named', () => {
		const calm = releaseRecord(calmRelease(), {version: 'v2.0.0'});
		expect(calm.startsWith('# Release v2.0.0 (Entwurf)')).toBe(true);
		expect(calm).toContain('\n## Break-Glass: nein\n');
		expect(calm).toContain('\n## Rollback: nein\n');
		expect(calm).toContain('| switch | 22:13:00 UTC | alice + bob | 2m 10s |');
		expect(calm).toContain('**Ergebnis:** abgeschlossen');
		expect(section(calm, '## Overrides mit Begründung')).toContain('Keine.');
	});

	it('given a gate that failed and held on a retry, then Zwischenfälle tells the story in order and the gates table shows both attempts with values', () => {
		const retried = releaseRecord(retriedRelease(), {version: '1.4.0'});
		const story = section(retried, '## Zwischenfälle').split('\n').filter((line) => line.startsWith('- '));
		expect(story).toEqual([
			'- 22:11:45 UTC switch/shift bei 25 %: Probe p95 verletzt: p95 80.9 ms > 1.5× blue (32.3 ms): green p95 +150.5 % vs blue, significant at 99 %',
			'- 22:11:46 UTC switch/shift: fehlgeschlagen: at 25%: p95 80.9 ms > 1.5× blue (32.3 ms): green p95 +150.5 % vs blue, significant at 99 %',
			'- 22:12:00 UTC switch/shift: neuer Versuch (2.) durch alice',
			'- 22:12:07–22:12:09 UTC switch/shift bei 25 %: Bake verlängert, zu wenig Belege: p95 insufficient data: 41 requests in 6 s, need 50; danach p95 hält (n=55)',
			'- 22:12:10 UTC switch/shift: bestanden nach neuem Versuch: 25% on green; gates held at 25%',
		]);
		const gates = section(retried, '## Gates mit Werten');
		expect(gates).toContain('| switch/shift (Versuch 1) | p95 | 80.9 (n=64) / 32.3 (n=190) | ≤ 300 ms, ≤ 1.5× blue | verletzt (p95 80.9 ms > 1.5× blue (32.3 ms): green p95 +150.5 % vs blue, significant at 99 %) | 1 |');
		expect(gates).toContain('| switch/shift (Versuch 2) | p95 | 33.9 (n=55) / 32.8 (n=230) | ≤ 300 ms, ≤ 1.5× blue | hält (green p95 +3.4 % vs blue, not significant at 99 %) | 3 |');
	});

	it('given a pair known by name only, then the record says Vier-Augen: nicht verifiziert and marks the confirmation; a verified pair says how', () => {
		const byName = calmRelease().map((event) => (event.type === 'phase-confirmed' && event.operator === 'bob' ? {...event, verified: 'name' as const} : event));
		const record = releaseRecord(byName, {version: '2.0.0'});
		expect(record).toContain('- **Vier-Augen:** nicht verifiziert (bob nur mit Namen)');
		expect(record).toContain('| switch | 22:13:00 UTC | alice + bob (nicht verifiziert) | 2m 10s |');
		const byUid = calmRelease().map((event) => (event.type === 'phase-confirmed' && event.operator === 'bob' ? {...event, verified: 'uid' as const} : event));
		expect(releaseRecord(byUid, {version: '2.0.0'})).toContain('- **Vier-Augen:** verifiziert (bob als anderer Unix-Benutzer)');
	});

	it('given a refused message from the pair, then Zwischenfälle lists it with the reason', () => {
		const events = [...calmRelease()];
		const last = events.at(-1)!;
		events.splice(events.length - 1, 0, {type: 'pair-refused', ts: last.ts - 1000, operator: 'mallory', reason: 'a pair may not roll back'});
		const story = section(releaseRecord(events, {version: '2.0.0'}), '## Zwischenfälle');
		expect(story).toMatch(/- \d\d:\d\d:\d\d UTC Nachricht des Pairs abgelehnt \(mallory\): a pair may not roll back/);
	});

	it('given a release that went straight through, then Zwischenfälle says so', () => {
		expect(section(releaseRecord(calmRelease(), {version: '2.0.0'}), '## Zwischenfälle')).toContain('Keine: jede Prüfung hielt beim ersten Versuch.');
	});
});
