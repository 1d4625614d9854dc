import {execFileSync} from 'node:child_process';
import {setTimeout as sleep} from 'node:timers/promises';

/**
 * A real terminal for end-to-end tests: a detached tmux session of a fixed size. Tests wait for a
 * marker on screen before they type, and read the screen as a person would.
 */
export type Terminal = {
	name: string;
	/** Types keys: literal text, or tmux key names like "Enter", "Space", "C-c". */
	send(...keys: string[]): void;
	type(text: string): void;
	screen(): string;
	waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
	resize(columns: number, rows: number): void;
	close(): void;
};

const tmux = (...args: string[]): string => execFileSync('tmux', args, {encoding: 'utf8'});

export const openTerminal = (options: {columns: number; rows: number; cwd: string; env?: Record<string, string>}): Terminal => {
	const name = `gl-e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
	const env = Object.entries(options.env ?? {}).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
	tmux('new-session', '-d', '-s', name, '-x', String(options.columns), '-y', String(options.rows), '-c', options.cwd, ...env, 'bash --norc --noprofile');
	tmux('set-option', '-t', name, 'status', 'off');
	const screen = () => tmux('capture-pane', '-p', '-t', name);
	return {
		name,
		send: (...keys) => void tmux('send-keys', '-t', name, ...keys),
		type: (text) => void tmux('send-keys', '-t', name, '-l', text),
		screen,
		async waitFor(pattern, timeoutMs = 20_000) {
			const deadline = Date.now() + timeoutMs;
			let last = '';
			while (Date.now() < deadline) {
				last = screen();
				if (typeof pattern === 'string' ? last.includes(pattern) : pattern.test(last)) return last;
				await sleep(100);
			}
			throw new Error(`timed out waiting for ${String(pattern)}; the screen shows:\n${last}`);
		},
		resize: (columns, rows) => void tmux('resize-window', '-t', name, '-x', String(columns), '-y', String(rows)),
		close: () => {
			try {
				tmux('kill-session', '-t', name);
			} catch {
				// already gone
			}
		},
	};
};
