import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {writeExports} from '../../../source/adapters/export/write-exports.js';
import {createRedactor} from '../../../source/adapters/redactor.js';
import {releaseEvents} from './release-events.js';

const SECRET = 'sEEded-Secret-7781';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvcHMifQ.c2lnbmF0dXJl';

let repo: string;
let sessionDir: string;

beforeEach(() => {
	repo = fs.mkdtempSync(path.join(os.tmpdir(), 'greenlight-export-'));
	sessionDir = path.join(repo, '.greenlight', 'sessions', '2026-11-26T23-10-00-ab12');
	fs.mkdirSync(path.join(sessionDir, 'logs'), {recursive: true});
	fs.writeFileSync(path.join(sessionDir, 'logs', 'prep.deploy.log'), `deploying\nusing token ${SECRET}\nAuthorization: Bearer ${JWT}\nDATABASE_URL=postgres://x\ndone\n`);
	fs.writeFileSync(path.join(sessionDir, 'logs', 'smoke.observe.log'), 'p95 175 ms\n');
});

afterEach(() => {
	fs.rmSync(repo, {recursive: true, force: true});
});

const filesUnder = (dir: string): string[] =>
	fs.readdirSync(dir, {recursive: true, withFileTypes: true}).filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));

describe('writeExports', () => {
	it('given a finished release, then the record lands in docs/releases and the snapshot with the logs in the session', async () => {
		const written = await writeExports({events: releaseEvents(), sessionDir, outDir: repo, version: '1.4.0', redactor: createRedactor([])});

		expect(written).toEqual({recordPath: path.join(repo, 'docs', 'releases', 'v1.4.0.md'), snapshotDir: path.join(sessionDir, 'export')});
		const record = fs.readFileSync(written.recordPath, 'utf8');
		expect(record).toContain('# Release v1.4.0 (Entwurf)');
		expect(record).toContain('| smoke/observe | p95 | 182 / 170 |');
		expect(record).toContain('beigetreten: bob');
		expect(filesUnder(written.snapshotDir).map((file) => path.relative(written.snapshotDir, file)).sort()).toEqual([
			'dashboard.json',
			path.join('logs', 'prep.deploy.log'),
			path.join('logs', 'smoke.observe.log'),
		]);
		const dashboard = JSON.parse(fs.readFileSync(path.join(written.snapshotDir, 'dashboard.json'), 'utf8')) as {panels: unknown[]; title: string};
		expect(dashboard.title).toBe('Blue-Green Rollout (Fly.io EU) v1.4.0');
		// Two metrics, and the incidents of a rolled-back release.
		expect(dashboard.panels).toHaveLength(3);
	});

	it('given a secret seeded into events and logs, then it appears nowhere in the written files', async () => {
		const written = await writeExports({
			events: releaseEvents(SECRET),
			sessionDir,
			outDir: repo,
			version: '1.4.0',
			redactor: createRedactor([SECRET]),
		});

		const files = [...filesUnder(path.join(repo, 'docs')), ...filesUnder(written.snapshotDir)];
		expect(files.length).toBeGreaterThanOrEqual(4);
		for (const file of files) {
			const text = fs.readFileSync(file, 'utf8');
			expect(text, file).not.toContain(SECRET);
			expect(text, file).not.toContain(JWT);
			expect(text, file).not.toContain('postgres://x');
		}
		expect(fs.readFileSync(path.join(written.snapshotDir, 'logs', 'prep.deploy.log'), 'utf8')).toBe(
			'deploying\nusing token «redacted»\nAuthorization: Bearer «redacted»\nDATABASE_URL=«redacted»\ndone\n',
		);
		expect(fs.readFileSync(written.recordPath, 'utf8')).toContain('bob: p95 jumps at 10 %, rolling back («redacted»)');
	});

	it('given a log of 200,000 lines with a key block and one line of 3 MB, then the copy is the log with the secrets gone, and nothing else changed', async () => {
		const lines = Array.from({length: 200_000}, (_, index) => `line ${index}`);
		const key = ['-----BEGIN OPENSSH PRIVATE KEY-----', 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAE', '-----END OPENSSH PRIVATE KEY-----'];
		const long = `${'z'.repeat(3_000_000)} ${SECRET}`;
		lines.splice(100_000, 0, ...key, long, `token ${SECRET}`);
		fs.writeFileSync(path.join(sessionDir, 'logs', 'big.step.log'), `${lines.join('\n')}\nno newline at the end`);

		const written = await writeExports({events: releaseEvents(), sessionDir, outDir: repo, version: '1.4.0', redactor: createRedactor([SECRET])});

		const copy = fs.readFileSync(path.join(written.snapshotDir, 'logs', 'big.step.log'), 'utf8');
		const expected = [...lines.slice(0, 100_000), '«redacted»', '«redacted»', '«redacted»', `${'z'.repeat(3_000_000)} «redacted»`, 'token «redacted»', ...lines.slice(100_005)];
		expect(copy).toBe(`${expected.join('\n')}\nno newline at the end`);
	});

	it('given a version that looks like a path, then the record still lands in docs/releases', async () => {
		const written = await writeExports({events: releaseEvents(), sessionDir, outDir: repo, version: '../../1.4.0', redactor: createRedactor([])});
		expect(path.dirname(written.recordPath)).toBe(path.join(repo, 'docs', 'releases'));
	});
});
