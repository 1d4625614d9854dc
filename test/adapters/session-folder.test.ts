import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {openJournal} from '../../source/adapters/journal.js';
import {createRedactor} from '../../source/adapters/redactor.js';
import {newSessionDir, readSession, sessionPaths} from '../../source/adapters/session-folder.js';
import {createStepOutput} from '../../source/adapters/step-output.js';

let root: string;
beforeEach(() => {
	root = fs.mkdtempSync(path.join(os.tmpdir(), 'greenlight-folder-'));
});
afterEach(() => fs.rmSync(root, {recursive: true, force: true}));

const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe('session folder: private, and never written through a link', () => {
	it('given a new session, then its folder is 0700 and the journal, its head and a step log are 0600', async () => {
		const dir = newSessionDir(path.join(root, 'sessions'), new Date());
		const paths = sessionPaths(dir);
		const journal = openJournal(paths.journal);
		journal.append({type: 'note-added', ts: 1, text: 'hello', operator: 'alice'});
		journal.close();
		const output = createStepOutput({logsDir: paths.logs, phase: 'pre', step: 'ci', redact: createRedactor([]).stream(), onBatch: () => {}});
		output.write('one line');
		await output.close();

		expect(mode(dir)).toBe(0o700);
		expect(mode(paths.journal)).toBe(0o600);
		expect(mode(`${paths.journal}.head`)).toBe(0o600);
		expect(mode(path.join(paths.logs, 'pre.ci.log'))).toBe(0o600);
	});

	it('given a journal head that is a link to another file, then the session is refused naming the link, and the target is untouched', () => {
		const dir = newSessionDir(path.join(root, 'sessions'), new Date());
		const victim = path.join(root, 'victim.txt');
		fs.writeFileSync(victim, 'precious');
		fs.symlinkSync(victim, `${sessionPaths(dir).journal}.head`);

		expect(readSession(dir)).toEqual({ok: false, message: expect.stringMatching(/journal\.ndjson\.head is a symbolic link; greenlight does not follow links/)});
		expect(() => openJournal(sessionPaths(dir).journal)).toThrow(/ELOOP/);
		expect(fs.readFileSync(victim, 'utf8')).toBe('precious');
	});

	it('given a logs folder that links elsewhere, then the session is refused before anything is written there', () => {
		const dir = newSessionDir(path.join(root, 'sessions'), new Date());
		const elsewhere = fs.mkdtempSync(path.join(root, 'elsewhere-'));
		fs.symlinkSync(elsewhere, sessionPaths(dir).logs);

		expect(readSession(dir)).toMatchObject({ok: false, message: expect.stringContaining(`${sessionPaths(dir).logs} is a symbolic link`)});
		expect(fs.readdirSync(elsewhere)).toEqual([]);
	});

	it('given a step log that is a link, then writing the step output fails instead of writing through it', () => {
		const dir = newSessionDir(path.join(root, 'sessions'), new Date());
		const logs = sessionPaths(dir).logs;
		fs.mkdirSync(logs);
		const victim = path.join(root, 'victim.log');
		fs.writeFileSync(victim, 'precious');
		fs.symlinkSync(victim, path.join(logs, 'pre.ci.log'));
		const output = createStepOutput({logsDir: logs, phase: 'pre', step: 'ci', redact: createRedactor([]).stream(), onBatch: () => {}});

		expect(() => output.write('overwrite?')).toThrow(/ELOOP/);
		expect(fs.readFileSync(victim, 'utf8')).toBe('precious');
	});
});
