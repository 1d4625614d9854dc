import {mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import type {Intent} from '../engine/intents.js';
import {sessionPaths} from './session-folder.js';

// The pair does not drive: it drops requests into the session's inbox and the one driver (who holds
// the lock) applies them, so every event still has one writer.

export type InboxMessage = {operator: string} & ({intent: Intent} | {joined: true});

export const postToInbox = (sessionDir: string, message: InboxMessage): void => {
	const dir = sessionPaths(sessionDir).inbox;
	mkdirSync(dir, {recursive: true});
	const name = `${Date.now()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
	const temporary = path.join(dir, `.${name}.tmp`);
	writeFileSync(temporary, JSON.stringify(message));
	// Rename is atomic: the driver never reads half a message.
	renameSync(temporary, path.join(dir, `${name}.json`));
};

export const watchInbox = (
	sessionDir: string,
	onMessage: (message: InboxMessage) => void,
	intervalMs = 150,
): (() => void) => {
	const dir = sessionPaths(sessionDir).inbox;
	mkdirSync(dir, {recursive: true});
	const poll = () => {
		for (const name of readdirSync(dir).filter((entry) => entry.endsWith('.json')).sort()) {
			const file = path.join(dir, name);
			try {
				const message = JSON.parse(readFileSync(file, 'utf8')) as InboxMessage;
				rmSync(file);
				onMessage(message);
			} catch {
				rmSync(file, {force: true});
			}
		}
	};
	const timer = setInterval(poll, intervalMs);
	return () => clearInterval(timer);
};
