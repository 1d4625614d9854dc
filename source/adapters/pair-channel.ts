import {execFile} from 'node:child_process';
import {createHash, randomBytes} from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type {EngineEvent} from '../engine/events.js';
import type {Intent, IntentResult} from '../engine/intents.js';
import {
	lineReader,
	parseMessage,
	PairMessage,
	SIGNATURE_NAMESPACE,
	signedText,
	type DriverMessage,
	type PairIdentity,
	type PairVerification,
} from './pair-protocol.js';

// The only way a pair reaches the driver: a Unix socket the driver listens on. Files dropped in the
// session folder are never read as intents. Who is on the other end is established per mode:
// - uid: the pair proves its Unix user by creating a file named by a one-time nonce in a sticky
//   drop folder; the kernel sets the file's owner, which nobody but root can forge. It must be
//   another user than the driver's. The session folder is then 0711 (others may reach the socket
//   and the drop folder by name, never list or read anything).
// - ssh-key: each confirmation carries `ssh-keygen -Y sign` over the session, the phase and a nonce,
//   checked with `ssh-keygen -Y verify` against an allowed-signers file, as git does. Works for two
//   people on one shared account.
// - name: the name as given, for rehearsals; shown and recorded as not verified.

/** Unix socket paths are limited to about 108 bytes; longer session paths get a socket in a private temp folder. */
const MAX_SOCKET_PATH = 100;

/** Where the driver of `sessionDir` listens; the same answer on both sides. */
export const pairSocketPath = (sessionDir: string): string => {
	const direct = path.join(sessionDir, 'pair.sock');
	if (direct.length <= MAX_SOCKET_PATH) return direct;
	const digest = createHash('sha256').update(path.resolve(sessionDir)).digest('hex').slice(0, 24);
	return path.join(os.tmpdir(), `greenlight-${digest}.sock`);
};

/** The sticky drop folder where a pair proves its Unix user (uid mode). */
export const proofDirOf = (sessionDir: string): string => path.join(sessionDir, 'pair-proofs');

/** A Unix user's login name, from /etc/passwd; "uid N" where it has none. */
export const userName = (uid: number): string => {
	try {
		for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
			const [name, , id] = line.split(':');
			if (name && Number(id) === uid) return name;
		}
	} catch {
		// no passwd file to read
	}
	return `uid-${uid}`;
};

const run = (file: string, args: string[], input: string): Promise<{code: number; stdout: string; stderr: string}> =>
	new Promise((resolve) => {
		const child = execFile(file, args, {timeout: 10_000, maxBuffer: 1024 * 1024}, (error, stdout, stderr) => {
			const code = error ? (typeof (error as {code?: unknown}).code === 'number' ? ((error as {code: number}).code) : 1) : 0;
			resolve({code, stdout, stderr});
		});
		child.stdin?.end(input);
	});

/** Checks an SSH signature of `text` by `principal` against an allowed-signers file (ssh-keygen -Y verify). */
export const verifySignature = async (options: {allowedSigners: string; principal: string; text: string; signature: string}): Promise<string | undefined> => {
	const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'greenlight-sig-'));
	try {
		const signatureFile = path.join(scratch, 'confirm.sig');
		fs.writeFileSync(signatureFile, options.signature, {mode: 0o600});
		const result = await run(
			'ssh-keygen',
			['-Y', 'verify', '-f', options.allowedSigners, '-I', options.principal, '-n', SIGNATURE_NAMESPACE, '-s', signatureFile],
			options.text,
		);
		return result.code === 0 ? undefined : `the signature is not ${options.principal}'s by ${options.allowedSigners}`;
	} finally {
		fs.rmSync(scratch, {recursive: true, force: true});
	}
};

/** Signs `text` with an SSH private key (ssh-keygen -Y sign); the armored signature. */
export const signText = async (key: string, text: string): Promise<{ok: true; signature: string} | {ok: false; reason: string}> => {
	const result = await run('ssh-keygen', ['-Y', 'sign', '-f', key, '-n', SIGNATURE_NAMESPACE], text);
	if (result.code !== 0 || !result.stdout.includes('BEGIN SSH SIGNATURE')) {
		return {ok: false, reason: `ssh-keygen could not sign with ${key}: ${result.stderr.trim().split('\n').at(-1) ?? `exit code ${result.code}`}`};
	}
	return {ok: true, signature: result.stdout};
};

export type PairServerOptions = {
	sessionDir: string;
	/** The session's id, part of what a pair signs. */
	session: string;
	mode: PairVerification;
	/** ssh-key mode: who may confirm, in git's allowed-signers format. */
	allowedSigners?: string;
	/** Every event so far: a pair that joins sees the whole run. */
	history(): readonly EngineEvent[];
	onEvent(listener: (event: EngineEvent) => void): () => void;
	/** The run loop's answer to the pair's intent. */
	handle(intent: Intent, identity: PairIdentity): IntentResult;
	onJoin(identity: PairIdentity): void;
	/** Something a pair sent was refused: the caller journals it, so both sides and the record see it. */
	onRefused(reason: string, identity: PairIdentity | undefined): void;
};

export type PairServer = {socket: string; close(): Promise<void>};

const send = (socket: net.Socket, message: DriverMessage) => {
	if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
};

const nonce = () => randomBytes(16).toString('hex');

/** Listens for pairs until closed. */
export const startPairServer = async (options: PairServerOptions): Promise<PairServer> => {
	const socketPath = pairSocketPath(options.sessionDir);
	const proofDir = proofDirOf(options.sessionDir);
	const driverUid = process.getuid?.() ?? -1;
	if (options.mode === 'uid') {
		// Others may pass through the session folder to the socket and the drop folder, by name only.
		fs.chmodSync(options.sessionDir, 0o711);
		fs.mkdirSync(proofDir, {recursive: true});
		fs.chmodSync(proofDir, 0o1733);
	}
	fs.rmSync(socketPath, {force: true});
	const connections = new Set<net.Socket>();

	const server = net.createServer((socket) => {
		connections.add(socket);
		const challenge = nonce();
		let identity: PairIdentity | undefined;
		let confirmNonce = nonce();
		let stopEvents: (() => void) | undefined;
		const refuse = (reason: string, close = false) => {
			options.onRefused(reason, identity);
			send(socket, {type: 'refused', reason});
			if (close) socket.end();
		};
		const welcome = (who: PairIdentity) => {
			identity = who;
			send(socket, {type: 'welcome', identity: who, nonce: confirmNonce});
			send(socket, {type: 'events', events: [...options.history()]});
			stopEvents = options.onEvent((event) => send(socket, {type: 'events', events: [event]}));
			options.onJoin(who);
		};
		let claimed: string | undefined;
		const onMessage = async (line: string) => {
			const parsed = parseMessage(PairMessage, line);
			if (!parsed.ok) return refuse(`a message from the pair was refused: ${parsed.reason}`, true);
			const message = parsed.value;
			if (message.type === 'hello') {
				if (identity || claimed) return refuse('hello was sent twice', true);
				claimed = message.operator;
				if (options.mode === 'uid') return;
				return welcome({operator: message.operator, verified: options.mode});
			}
			if (message.type === 'proof') {
				if (options.mode !== 'uid' || !claimed || identity) return refuse('no proof was asked for', true);
				const file = path.join(proofDir, challenge);
				let stat: fs.Stats;
				try {
					stat = fs.lstatSync(file);
					fs.rmSync(file, {force: true});
				} catch {
					return refuse(`no proof file ${challenge} in ${proofDir}`, true);
				}
				if (!stat.isFile()) return refuse('the proof is not a plain file', true);
				if (stat.uid === driverUid) return refuse(`${userName(stat.uid)} drives this session; four eyes need another Unix user`, true);
				return welcome({operator: userName(stat.uid), verified: 'uid', uid: stat.uid});
			}
			if (!identity) return refuse('the pair spoke before it was identified', true);
			const answer = (result: IntentResult) => {
				confirmNonce = nonce();
				if (!result.ok) options.onRefused(`${message.intent.type} from ${identity!.operator} refused: ${result.reason}`, identity);
				send(socket, result.ok ? {type: 'result', id: message.id, ok: true, nonce: confirmNonce} : {type: 'result', id: message.id, ok: false, reason: result.reason, nonce: confirmNonce});
			};
			if (message.intent.type === 'confirm' && options.mode === 'ssh-key') {
				if (!message.signature) return answer({ok: false, reason: 'a confirmation needs an SSH signature in this session (greenlight join --key …)'});
				if (!options.allowedSigners) return answer({ok: false, reason: 'the runbook names no allowed-signers file'});
				const problem = await verifySignature({
					allowedSigners: options.allowedSigners,
					principal: identity.operator,
					text: signedText(options.session, message.intent.phase, confirmNonce),
					signature: message.signature,
				});
				if (problem) return answer({ok: false, reason: problem});
			}
			return answer(options.handle(message.intent, identity));
		};
		// One message at a time, in order: a signature check must not let a later message overtake it.
		let queue = Promise.resolve();
		const read = lineReader(
			(line) => {
				queue = queue.then(() => onMessage(line)).catch(() => undefined);
			},
			() => refuse('a message from the pair was longer than greenlight accepts', true),
		);
		socket.on('data', read);
		socket.on('error', () => socket.destroy());
		socket.on('close', () => {
			stopEvents?.();
			connections.delete(socket);
		});
		send(socket, {type: 'challenge', nonce: challenge, mode: options.mode, ...(options.mode === 'uid' ? {proofDir} : {})});
	});

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(socketPath, () => resolve());
	});
	// Same user only, unless another Unix user is to be the pair.
	fs.chmodSync(socketPath, options.mode === 'uid' ? 0o666 : 0o600);
	// Not unref'd: a run that waits for its pair is kept alive by the socket it waits on.
	return {
		socket: socketPath,
		close: async () => {
			for (const socket of connections) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
			fs.rmSync(socketPath, {force: true});
		},
	};
};

export type PairClient = {
	identity: PairIdentity;
	/** Called with each batch of events, the whole history first. */
	onEvents(listener: (events: EngineEvent[]) => void): void;
	/** Resolves with the driver's answer. */
	send(intent: Intent): Promise<IntentResult>;
	/** Refusals the driver sends (they are journaled too). */
	onRefused(listener: (reason: string) => void): void;
	closed: Promise<void>;
	close(): void;
};

/** Joins the driver of `sessionDir` as `operator`; in ssh-key mode confirmations are signed with `key`. */
export const connectPair = (options: {sessionDir: string; operator: string; key?: string}): Promise<PairClient> =>
	new Promise((resolve, reject) => {
		const socket = net.connect(pairSocketPath(options.sessionDir));
		const eventListeners: Array<(events: EngineEvent[]) => void> = [];
		const refusalListeners: Array<(reason: string) => void> = [];
		const early: EngineEvent[][] = [];
		const pending = new Map<number, (result: IntentResult) => void>();
		let nextId = 1;
		let confirmNonce = '';
		let welcomed = false;
		const closed = new Promise<void>((done) => socket.on('close', () => done()));
		const write = (message: PairMessage) => socket.write(`${JSON.stringify(message)}\n`);
		socket.on('error', (error: NodeJS.ErrnoException) => {
			if (welcomed) return;
			reject(
				new Error(
					error.code === 'ENOENT' || error.code === 'ECONNREFUSED'
						? `no driver is running session ${options.sessionDir} (greenlight join needs the driver's greenlight run)`
						: `cannot reach the driver: ${error.message}`,
				),
			);
		});
		let session = path.basename(options.sessionDir);
		const client: Omit<PairClient, 'identity'> = {
			onEvents(listener) {
				eventListeners.push(listener);
				for (const batch of early.splice(0)) listener(batch);
			},
			async send(intent) {
				if (intent.type !== 'note' && intent.type !== 'confirm') return {ok: false, reason: `a pair cannot ${intent.type}; the driver does`};
				const wire = intent.type === 'note' ? {type: 'note' as const, text: intent.text} : {type: 'confirm' as const, phase: intent.phase ?? ''};
				let signature: string | undefined;
				if (wire.type === 'confirm' && options.key) {
					const signed = await signText(options.key, signedText(session, wire.phase, confirmNonce));
					if (!signed.ok) return {ok: false, reason: signed.reason};
					signature = signed.signature;
				}
				const id = nextId++;
				return new Promise<IntentResult>((answer) => {
					pending.set(id, answer);
					write({type: 'intent', id, intent: wire, ...(signature ? {signature} : {})});
				});
			},
			onRefused(listener) {
				refusalListeners.push(listener);
			},
			closed,
			close: () => socket.end(),
		};
		socket.on(
			'data',
			lineReader(
				(line) => {
					let message: DriverMessage;
					try {
						message = JSON.parse(line) as DriverMessage;
					} catch {
						return;
					}
					switch (message.type) {
						case 'challenge':
							write({type: 'hello', operator: options.operator});
							if (message.mode === 'uid' && message.proofDir) {
								try {
									fs.writeFileSync(path.join(message.proofDir, message.nonce), '', {mode: 0o600, flag: 'wx'});
								} catch (error) {
									reject(new Error(`cannot prove who you are to the driver: ${(error as Error).message}`));
									socket.destroy();
									return;
								}
								write({type: 'proof'});
							}
							return;
						case 'welcome':
							welcomed = true;
							confirmNonce = message.nonce;
							session = path.basename(options.sessionDir);
							resolve({...client, identity: message.identity});
							return;
						case 'events':
							if (eventListeners.length === 0) early.push(message.events as EngineEvent[]);
							for (const listener of eventListeners) listener(message.events as EngineEvent[]);
							return;
						case 'result': {
							confirmNonce = message.nonce;
							const answer = pending.get(message.id);
							pending.delete(message.id);
							answer?.(message.ok ? {ok: true} : {ok: false, reason: message.reason});
							return;
						}
						case 'refused':
							if (!welcomed) reject(new Error(`the driver refused: ${message.reason}`));
							for (const listener of refusalListeners) listener(message.reason);
							return;
					}
				},
				() => socket.destroy(),
			),
		);
	});
