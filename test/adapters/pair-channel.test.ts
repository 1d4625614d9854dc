import {execFileSync, spawn} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {once} from 'node:events';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {connectPair, signText, startPairServer, type PairServer, type PairServerOptions} from '../../source/adapters/pair-channel.js';
import {signedText, type PairIdentity} from '../../source/adapters/pair-protocol.js';
import type {EngineEvent} from '../../source/engine/events.js';
import type {Intent} from '../../source/engine/intents.js';
import {builtModule} from '../helpers/built-module.js';

// The pair reaches the driver only through the session's socket, and only as who it proved to be.

let root: string;
let sessionDir: string;
let server: PairServer | undefined;
const handled: Array<{intent: Intent; identity: PairIdentity}> = [];
const refused: string[] = [];
const history: EngineEvent[] = [{type: 'note-added', ts: 1, text: 'started', operator: 'alice'}];

beforeEach(() => {
	root = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-pair-'));
	sessionDir = path.join(root, 'session');
	fs.mkdirSync(sessionDir, {mode: 0o700});
	handled.length = 0;
	refused.length = 0;
});

afterEach(async () => {
	await server?.close();
	server = undefined;
	fs.rmSync(root, {recursive: true, force: true});
});

const start = async (overrides: Partial<PairServerOptions> = {}) => {
	server = await startPairServer({
		sessionDir,
		session: 'session',
		mode: 'name',
		history: () => history,
		onEvent: () => () => {},
		handle: (intent, identity) => {
			handled.push({intent, identity});
			return {ok: true};
		},
		onJoin: () => {},
		onRefused: (reason) => refused.push(reason),
		...overrides,
	});
	return server;
};

/** A raw client that writes lines and collects what the driver answers until it closes. */
const rawClient = async (lines: string[]) => {
	const socket = net.connect(server!.socket);
	let answer = '';
	socket.on('data', (chunk) => {
		answer += chunk.toString();
	});
	await once(socket, 'connect');
	for (const line of lines) socket.write(`${line}\n`);
	await once(socket, 'close');
	return answer.split('\n').filter(Boolean).map((line) => JSON.parse(line) as {type: string; reason?: string});
};

describe('pair channel', () => {
	it('given name mode, the pair sees the history and its note reaches the run loop, marked as a name only', async () => {
		await start();
		const pair = await connectPair({sessionDir, operator: 'bob'});
		const seen: EngineEvent[] = [];
		pair.onEvents((events) => seen.push(...events));

		expect(pair.identity).toEqual({operator: 'bob', verified: 'name'});
		expect(await pair.send({type: 'note', text: 'looks good'})).toEqual({ok: true});
		expect(seen).toEqual(history);
		expect(handled).toEqual([{intent: {type: 'note', text: 'looks good'}, identity: {operator: 'bob', verified: 'name'}}]);
		pair.close();
	});

	it('given forged or malformed messages, each is refused with a reason, the connection ends, and nothing reaches the run loop', async () => {
		await start();
		const cases = [
			['{"operator":"bob-forged","intent":{"type":"confirm"}}'],
			['{"type":"intent","id":1,"intent":{"type":"confirm","phase":"switch"}}'],
			['{"type":"hello","operator":{"toString":1}}'],
			['{"type":"hello","operator":"bob\\u001b]0;pwned\\u0007"}'],
			['{"type":"hello","operator":"bob"}', '{"type":"intent","id":1,"intent":{"type":"rollback","reason":"x"}}'],
			['not json at all'],
		];
		for (const lines of cases) {
			const answers = await rawClient(lines);
			expect(answers.at(-1)?.type, lines.join(' | ')).toBe('refused');
		}
		expect(handled).toEqual([]);
		expect(refused).toHaveLength(cases.length);
		expect(refused.join('\n')).toMatch(/spoke before it was identified/);
		expect(refused.join('\n')).toMatch(/operator: must be printable text/);
	});

	it('given a file dropped where an old inbox was, nothing happens: only the socket is listened to', async () => {
		await start();
		fs.mkdirSync(path.join(sessionDir, 'inbox'));
		fs.writeFileSync(path.join(sessionDir, 'inbox', '0000.json'), JSON.stringify({operator: 'bob-forged', intent: {type: 'confirm'}}));
		execFileSync('mkfifo', [path.join(sessionDir, 'inbox', '0001-fifo.json')]);
		const pair = await connectPair({sessionDir, operator: 'bob'});
		expect(await pair.send({type: 'note', text: 'still answering'})).toEqual({ok: true});
		expect(handled.map((entry) => entry.identity.operator)).toEqual(['bob']);
		pair.close();
	});

	describe('ssh-key mode', () => {
		const keygen = (name: string) => {
			const key = path.join(root, name);
			execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', key]);
			return key;
		};

		it('given a confirmation signed by the named operator, it is accepted; another key or no signature is refused', async () => {
			const bobKey = keygen('bob');
			const malloryKey = keygen('mallory');
			const allowed = path.join(root, 'allowed_signers');
			fs.writeFileSync(allowed, `bob ${fs.readFileSync(`${bobKey}.pub`, 'utf8')}`);
			await start({mode: 'ssh-key', allowedSigners: allowed});

			const bob = await connectPair({sessionDir, operator: 'bob', key: bobKey});
			expect(bob.identity).toEqual({operator: 'bob', verified: 'ssh-key'});
			expect(await bob.send({type: 'confirm', phase: 'switch'})).toEqual({ok: true});
			bob.close();

			const mallory = await connectPair({sessionDir, operator: 'bob', key: malloryKey});
			expect(await mallory.send({type: 'confirm', phase: 'switch'})).toMatchObject({ok: false, reason: expect.stringMatching(/the signature is not bob's/)});
			const unsigned = await connectPair({sessionDir, operator: 'bob'});
			expect(await unsigned.send({type: 'confirm', phase: 'switch'})).toMatchObject({ok: false, reason: expect.stringMatching(/needs an SSH signature/)});
			mallory.close();
			unsigned.close();

			expect(handled.map((entry) => entry.intent)).toEqual([{type: 'confirm', phase: 'switch'}]);
		});

		it('given a signature that was accepted once, when it is sent again, then it is refused: each nonce signs one confirmation', async () => {
			const bobKey = keygen('bob');
			const allowed = path.join(root, 'allowed_signers');
			fs.writeFileSync(allowed, `bob ${fs.readFileSync(`${bobKey}.pub`, 'utf8')}`);
			await start({mode: 'ssh-key', allowedSigners: allowed});
			const socket = net.connect(server!.socket);
			const messages: Array<Record<string, unknown>> = [];
			let buffered = '';
			const next = (type: string) =>
				new Promise<Record<string, unknown>>((resolve) => {
					const look = () => {
						const index = messages.findIndex((message) => message.type === type);
						if (index >= 0) return resolve(messages.splice(index, 1)[0]!);
						socket.once('data', look);
					};
					look();
				});
			socket.on('data', (chunk) => {
				buffered += chunk.toString();
				const lines = buffered.split('\n');
				buffered = lines.pop() ?? '';
				for (const line of lines) if (line) messages.push(JSON.parse(line) as Record<string, unknown>);
			});
			await next('challenge');
			socket.write(`${JSON.stringify({type: 'hello', operator: 'bob'})}\n`);
			const welcome = await next('welcome');
			const signed = await signText(bobKey, signedText('session', 'switch', welcome.nonce as string));
			if (!signed.ok) throw new Error(signed.reason);
			const intent = {type: 'intent', intent: {type: 'confirm', phase: 'switch'}, signature: signed.signature};
			socket.write(`${JSON.stringify({...intent, id: 1})}\n`);
			expect(await next('result')).toMatchObject({id: 1, ok: true});
			socket.write(`${JSON.stringify({...intent, id: 2})}\n`);
			expect(await next('result')).toMatchObject({id: 2, ok: false, reason: expect.stringMatching(/the signature is not bob's/)});
			socket.destroy();
			expect(handled).toHaveLength(1);
		});
	});

	describe.runIf(process.getuid?.() === 0)('uid mode (needs root to act as a second Unix user)', () => {
		const joinAs = async (uid: number, operator: string) => {
			const module = await builtModule('source/adapters/pair-channel.ts');
			const code = `const {connectPair} = await import(${JSON.stringify(module)});
try { const pair = await connectPair({sessionDir: ${JSON.stringify(sessionDir)}, operator: ${JSON.stringify(operator)}});
  console.log(JSON.stringify(pair.identity)); console.log(JSON.stringify(await pair.send({type: 'confirm', phase: 'switch'}))); pair.close();
} catch (error) { console.log(JSON.stringify({error: error.message})); }`;
			const child = spawn(process.execPath, ['--input-type=module', '-e', code], {uid, gid: uid, stdio: ['ignore', 'pipe', 'inherit']});
			let out = '';
			child.stdout.on('data', (chunk) => {
				out += chunk.toString();
			});
			await once(child, 'exit');
			return out.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
		};

		it('given another Unix user, it is identified by the kernel as that user, whatever name it claims', async () => {
			fs.chmodSync(root, 0o711);
			await start({mode: 'uid'});
			const [identity, result] = await joinAs(65534, 'root-pretender');
			expect(identity).toEqual({operator: 'nobody', verified: 'uid', uid: 65534});
			expect(result).toEqual({ok: true});
			expect(handled).toEqual([{intent: {type: 'confirm', phase: 'switch'}, identity: {operator: 'nobody', verified: 'uid', uid: 65534}}]);
			// Nothing of the session is readable to that user: only the socket and the drop folder are reachable by name.
			expect(fs.statSync(sessionDir).mode & 0o777).toBe(0o711);
		});

		it('given the driver’s own Unix user, it is refused: four eyes need another user', async () => {
			await start({mode: 'uid'});
			await expect(connectPair({sessionDir, operator: 'bob'})).rejects.toThrow(/drives this session; four eyes need another Unix user/);
			expect(handled).toEqual([]);
		});
	});
});
