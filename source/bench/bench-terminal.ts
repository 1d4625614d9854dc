import {spawn, spawnSync} from 'node:child_process';
import {performance} from 'node:perf_hooks';
import {setTimeout as sleep} from 'node:timers/promises';

// A real pseudo-terminal for the bench: a private tmux server (its own socket, no user config)
// driven through one control-mode client, so that reading the screen costs a message, not a
// process start, and polling every few milliseconds does not load the machine being measured.
// Each measured program runs in a pane of its own, 100×30 unless told otherwise, started directly
// (no shell between), so the pane's pid is the program's.

export const COLUMNS = 100;
export const ROWS = 30;

export type Pane = {
	pid: number;
	/** performance.now() just before tmux was asked to start the program. */
	startedAt: number;
	/** The visible screen; with history, everything that scrolled off it too. */
	screen(options?: {history?: boolean}): Promise<string>;
	/**
	 * Milliseconds from `since` (default: the start) until the screen satisfies `test`, read every
	 * `pollMs`. Throws with the last screen after `timeoutMs`.
	 */
	waitFor(test: (screen: string) => boolean, options?: {timeoutMs?: number; pollMs?: number; history?: boolean; since?: number}): Promise<number>;
	/** tmux key names ("Enter", "Space", "C-c") or, with literal, text as typed. */
	send(keys: string[], options?: {literal?: boolean}): Promise<void>;
	/** Ends the pane (its program gets SIGHUP). */
	close(): Promise<void>;
};

export type BenchTerminal = {
	open(argv: string[], options: {cwd: string; columns?: number; rows?: number}): Promise<Pane>;
	close(): void;
};

// tmux's command syntax: single quotes take everything literally except a single quote.
const quote = (argument: string): string => {
	if (argument.includes("'")) throw new Error(`the bench cannot pass a single quote to tmux: ${argument}`);
	return `'${argument}'`;
};

type Pending = {resolve: (lines: string[]) => void; reject: (error: Error) => void; command: string};

export const openBenchTerminal = async (): Promise<BenchTerminal> => {
	const socket = `greenlight-bench-${process.pid}`;
	const control = spawn('tmux', ['-L', socket, '-f', '/dev/null', '-C', 'new-session', '-s', 'control', 'sleep', '2147483647'], {stdio: ['pipe', 'pipe', 'inherit']});
	const killServer = () => spawnSync('tmux', ['-L', socket, 'kill-server'], {stdio: 'ignore'});
	process.once('exit', killServer);

	// Replies come in order, each between "%begin TIME N FLAGS" and "%end/%error TIME N FLAGS";
	// flags 1 marks a reply to this client's own command. Everything else is a notification.
	const pending: Pending[] = [];
	let block: {number: string; lines: string[]} | undefined;
	let rest = '';
	control.stdout.setEncoding('utf8');
	control.stdout.on('data', (chunk: string) => {
		rest += chunk;
		const lines = rest.split('\n');
		rest = lines.pop() ?? '';
		for (const line of lines) {
			if (block) {
				const end = /^%(end|error) \d+ (\d+) \d+$/.exec(line);
				if (end && end[2] === block.number) {
					const waiting = pending.shift();
					if (end[1] === 'end') waiting?.resolve(block.lines);
					else waiting?.reject(new Error(`tmux ${waiting.command}: ${block.lines.join(' ')}`));
					block = undefined;
				} else {
					block.lines.push(line);
				}
				continue;
			}
			const begin = /^%begin \d+ (\d+) 1$/.exec(line);
			if (begin) block = {number: begin[1]!, lines: []};
		}
	});
	const exited = new Promise<void>((resolve) => control.once('exit', () => resolve()));
	void exited.then(() => {
		for (const waiting of pending.splice(0)) waiting.reject(new Error('the bench terminal ended'));
	});

	const tmux = (...words: string[]): Promise<string[]> =>
		new Promise((resolve, reject) => {
			const command = words.join(' ');
			pending.push({resolve, reject, command});
			control.stdin.write(`${command}\n`);
		});

	await tmux('set-option', '-g', 'status', 'off');
	// A program that ended keeps its last screen, so a failure can be shown.
	await tmux('set-option', '-g', 'remain-on-exit', 'on');
	await tmux('set-option', '-g', 'history-limit', '2000');

	let panes = 0;
	return {
		async open(argv, options) {
			const name = `pane-${++panes}`;
			const startedAt = performance.now();
			const [pid] = await tmux(
				'new-session', '-d', '-s', name, '-x', String(options.columns ?? COLUMNS), '-y', String(options.rows ?? ROWS), '-c', quote(options.cwd), '-P', '-F', quote('#{pane_pid}'),
				...argv.map(quote),
			);
			const screen: Pane['screen'] = async (read) => (await tmux('capture-pane', '-p', ...(read?.history ? ['-S', '-'] : []), '-t', name)).join('\n');
			return {
				pid: Number(pid),
				startedAt,
				screen,
				async waitFor(test, wait = {}) {
					const since = wait.since ?? startedAt;
					const deadline = performance.now() + (wait.timeoutMs ?? 30_000);
					let last = '';
					for (;;) {
						last = await screen({history: wait.history});
						const seen = performance.now();
						if (test(last)) return seen - since;
						if (seen > deadline) throw new Error(`timed out after ${Math.round(seen - since)} ms; the screen shows:\n${last}`);
						if (wait.pollMs !== 0) await sleep(wait.pollMs ?? 10);
					}
				},
				async send(keys, send = {}) {
					await tmux('send-keys', '-t', name, ...(send.literal ? ['-l'] : []), ...keys.map(quote));
				},
				async close() {
					await tmux('kill-session', '-t', name).catch(() => undefined);
				},
			};
		},
		close() {
			killServer();
			process.removeListener('exit', killServer);
		},
	};
};
