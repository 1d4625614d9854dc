import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, test} from 'vitest';
import {killAllChildren, OUTPUT_CAP_CHARS, runCommand, type CommandOutcome} from '../../source/adapters/command-runner.js';
import {isProcessRunning as isRunning, KILL_GRACE_MS} from '../../source/adapters/process-tree.js';

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'bin');
const node = process.execPath;
const fixture = (name: string) => path.join(bin, name);

type Tree = {child: number; grandchild: number};

/** Starts the fixture that leaves a grandchild sleeping forever; resolves its pids once it has printed them. */
const startTree = (options: {args?: string[]; timeoutMs?: number; signal?: AbortSignal} = {}) => {
	let announce: (tree: Tree) => void = () => {};
	const tree = new Promise<Tree>((resolve) => {
		announce = resolve;
	});
	const outcome = runCommand({
		argv: [node, fixture('spawn-tree.mjs'), ...(options.args ?? [])],
		timeoutMs: options.timeoutMs,
		signal: options.signal,
		onLine: (line) => {
			if (line.startsWith('{')) announce(JSON.parse(line) as Tree);
		},
	});
	return {tree, outcome};
};

const expectTreeGone = (tree: Tree) => {
	expect(isRunning(tree.child), `child ${tree.child} still runs`).toBe(false);
	expect(isRunning(tree.grandchild), `grandchild ${tree.grandchild} still runs`).toBe(false);
};

describe('output', () => {
	test('given output written in pieces, when it runs, then every line arrives whole and CRLF counts as one break', async () => {
		const lines: Array<[string, string]> = [];
		const outcome = await runCommand({
			argv: [node, fixture('chunks.mjs')],
			onLine: (line, stream) => lines.push([stream, line]),
		});
		expect(outcome.exitCode).toBe(0);
		expect(lines.filter(([stream]) => stream === 'stdout').map(([, line]) => line)).toEqual([
			'first',
			'second',
			'third',
			'no-newline',
		]);
		expect(lines).toContainEqual(['stderr', 'warning: on stderr']);
		expect(outcome.stdout).toBe('first\nsecond\r\nthird\nno-newline');
		expect(outcome.stderr).toBe('warning: on stderr\n');
	});

	test('given more output than the cap on one endless line, when it runs, then the kept text stops at the cap and lines arrive in bounded pieces', async () => {
		const lines: string[] = [];
		const outcome = await runCommand({
			argv: [node, '-e', `process.stdout.write('x'.repeat(${OUTPUT_CAP_CHARS + 1000}))`],
			onLine: (line) => lines.push(line),
		});
		expect(outcome.exitCode).toBe(0);
		expect(lines.join('').length).toBe(OUTPUT_CAP_CHARS + 1000);
		expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(64 * 1024);
		expect(outcome.stdout.startsWith('x'.repeat(OUTPUT_CAP_CHARS))).toBe(true);
		expect(outcome.stdout.endsWith('[output truncated]')).toBe(true);
	});

	test('given text of many scripts written in small pieces that cut characters apart, when it runs, then the kept text is exactly what was printed', async () => {
		const script = [
			"const text = 'Größe ✓ ≤ 300 ms 👍 中文 e\\u0301\\n'.repeat(4000);",
			'const bytes = Buffer.from(text);',
			// 7-byte writes cut multi-byte characters (ö, ✓, 👍) between reads.
			'let at = 0; const next = () => { if (at >= bytes.length) return; process.stdout.write(bytes.subarray(at, at += 7), next); }; next();',
		].join('\n');
		const outcome = await runCommand({argv: [node, '-e', script]});
		expect(outcome.exitCode).toBe(0);
		expect(outcome.stdout).toBe('Größe ✓ ≤ 300 ms 👍 中文 e\u0301\n'.repeat(4000));
	});
});

describe('the runbook\'s own program', () => {
	test('given a step running greenlight with a PATH that holds no greenlight, then this greenlight answers, run by the same Node', async () => {
		const outcome = await runCommand({argv: ['greenlight', '--version'], env: {PATH: '/nonexistent'}});
		expect(outcome.error).toBeUndefined();
		expect(outcome.exitCode).toBe(0);
		const {version} = JSON.parse(readFileSync(path.join(bin, '..', '..', '..', 'package.json'), 'utf8')) as {version: string};
		expect(outcome.stdout.trim()).toContain(version);
	});
});

describe('output in blocks, paced by its reader', () => {
	test('given many lines, when they arrive through onOutput, then they come in few calls of whole lines, a last line without newline given one', async () => {
		const calls: Array<{text: string; continues: boolean}> = [];
		const outcome = await runCommand({
			// One write of all the lines: how many reads the pipe takes then depends on the kernel's
			// buffers, not on how the scheduler interleaves 20,000 small writes with the reader (a busy
			// machine once made that 294 reads).
			argv: [node, '-e', "let text = ''; for (let i = 1; i <= 20000; i++) text += i + '\\n'; process.stdout.write(text + 'tail')"],
			onOutput: (text, stream, continues) => {
				if (stream === 'stdout') calls.push({text, continues});
			},
		});
		expect(outcome.exitCode).toBe(0);
		const text = calls.map((call) => call.text).join('');
		expect(text).toBe(`${Array.from({length: 20000}, (_, index) => index + 1).join('\n')}\ntail\n`);
		expect(calls.length).toBeLessThan(200);
		for (const call of calls) expect(call.text.endsWith('\n')).toBe(true);
	});

	// Linux says what a process waits on: a writer blocked on its full stdout (a socket pair, as Node
	// gives a child) waits in sock_alloc_send_pskb; on a pipe, in pipe_write.
	const waitsOnFullPipe = (pid: number): boolean => {
		try {
			return /sock_alloc_send|pipe_write/.test(readFileSync(`/proc/${pid}/wchan`, 'utf8'));
		} catch {
			return false;
		}
	};

	test.skipIf(!existsSync('/proc/self/wchan'))('given a reader that is behind, then the command waits on its full pipe until the reader catches up, and then all of it is read', async () => {
		let release: () => void = () => {};
		const held = new Promise<void>((resolve) => {
			release = resolve;
		});
		let pid = 0;
		let asked = 0;
		let bytes = 0;
		let bytesWhenHeld = -1;
		const outcome = runCommand({
			// seq writes with plain blocking writes; it prints its pid (the shell's, which it replaces) first.
			argv: ['/bin/sh', '-c', 'echo $$; exec seq 1 600000'],
			onOutput: (text) => {
				if (bytes === 0) pid = Number(text.slice(0, text.indexOf('\n')));
				bytes += text.length;
			},
			behind: () => {
				asked += 1;
				if (asked > 1) return undefined;
				bytesWhenHeld = bytes;
				return held;
			},
		});
		while (!(pid > 0 && waitsOnFullPipe(pid))) await new Promise((resolve) => setTimeout(resolve, 10));
		expect(bytes).toBe(bytesWhenHeld);
		expect(asked).toBe(1);
		release();
		expect((await outcome).exitCode).toBe(0);
		expect(bytes).toBe(String(pid).length + 1 + Array.from({length: 600_000}, (_, index) => index + 1).join('\n').length + 1);
	});
});

describe('arguments, shell, stdin, environment', () => {
	const hostile = `$(touch /tmp/greenlight-pwned); rm -rf "*" | & > < \`id\` 'q' \n next`;

	test('given an argument full of shell metacharacters, when it runs, then the child receives it as one untouched element', async () => {
		const outcome = await runCommand({argv: [node, fixture('print-argv.mjs'), hostile, 'plain']});
		expect(JSON.parse(outcome.stdout)).toEqual([hostile, 'plain']);
	});

	test('given shell: true, when it runs, then later elements arrive as $1 and $2 and never become shell text', async () => {
		const outcome = await runCommand({
			argv: ['printf "%s|" "$1" "$2" "$0"', hostile, 'two words'],
			shell: true,
		});
		expect(outcome.exitCode).toBe(0);
		expect(outcome.stdout).toBe(`${hostile}|two words|greenlight|`);
	});

	test('given stdin text, when it runs, then the child reads exactly that text', async () => {
		const outcome = await runCommand({argv: [node, fixture('read-stdin.mjs')], stdin: 'line one\nline two\n'});
		expect(JSON.parse(outcome.stdout)).toEqual({text: 'line one\nline two\n', isTTY: false});
	});

	test('given no stdin, when it runs, then the child sees no input and never the terminal', async () => {
		const outcome = await runCommand({argv: [node, fixture('read-stdin.mjs')], timeoutMs: 5000});
		expect(outcome.timedOut).toBe(false);
		expect(JSON.parse(outcome.stdout)).toEqual({text: '', isTTY: false});
	});

	test('given env additions and a cwd, when it runs, then they apply on top of the inherited environment', async () => {
		const cwd = path.resolve(bin, '..');
		const outcome = await runCommand({
			argv: [node, fixture('env-and-cwd.mjs'), 'GREENLIGHT_TEST_VALUE', 'PATH'],
			env: {GREENLIGHT_TEST_VALUE: 'a b $c'},
			cwd,
		});
		const seen = JSON.parse(outcome.stdout) as {cwd: string; env: Record<string, string | null>};
		expect(seen.cwd).toBe(cwd);
		expect(seen.env.GREENLIGHT_TEST_VALUE).toBe('a b $c');
		expect(seen.env.PATH).toBe(process.env.PATH);
	});

	test('given a program that does not exist, when it runs, then the outcome says "command not found"', async () => {
		const outcome = await runCommand({argv: ['greenlight-no-such-program', '--version']});
		expect(outcome.error).toBe('command not found: greenlight-no-such-program');
		expect(outcome.exitCode).toBeNull();
	});

	test('given a working directory that does not exist, when it runs, then the outcome names the directory', async () => {
		const outcome = await runCommand({argv: [node, '-e', ''], cwd: '/no/such/greenlight/dir'});
		expect(outcome.error).toBe('working directory not found: /no/such/greenlight/dir');
	});

	test('given a non-zero exit, when it runs, then the exit code is reported and nothing counts as an error', async () => {
		const outcome = await runCommand({argv: [node, fixture('say.mjs'), '3', 'out', 'err']});
		expect(outcome).toMatchObject({exitCode: 3, stdout: 'out\n', stderr: 'err\n', timedOut: false, cancelled: false});
		expect(outcome.error).toBeUndefined();
	});
});

describe('the whole process tree ends', () => {
	test('given a tree sleeping forever, when the timeout passes, then child and grandchild are gone', async () => {
		// Long enough for node to start and print its pids on a busy machine: the timer runs from the spawn.
		const {tree, outcome} = startTree({timeoutMs: 3000});
		const pids = await tree;
		expect(isRunning(pids.grandchild)).toBe(true);
		const result: CommandOutcome = await outcome;
		expect(result.timedOut).toBe(true);
		expect(result.cancelled).toBe(false);
		expectTreeGone(pids);
	});

	test('given a tree that ignores SIGTERM, when it is stopped, then SIGKILL ends it after the grace time', async () => {
		// Stopped once it has said it ignores SIGTERM: a timer started at the spawn could fire before it did.
		const controller = new AbortController();
		const {tree, outcome} = startTree({args: ['--ignore-term'], signal: controller.signal});
		const pids = await tree;
		const stoppedAt = performance.now();
		controller.abort();
		const result = await outcome;
		expect(result.cancelled).toBe(true);
		expect(performance.now() - stoppedAt).toBeGreaterThanOrEqual(KILL_GRACE_MS - 50);
		expectTreeGone(pids);
	});

	test('given a running tree, when the abort signal fires, then the outcome is cancelled and the tree is gone', async () => {
		const controller = new AbortController();
		const {tree, outcome} = startTree({signal: controller.signal});
		const pids = await tree;
		controller.abort();
		const result = await outcome;
		expect(result).toMatchObject({cancelled: true, timedOut: false});
		expectTreeGone(pids);
	});

	test('given an already aborted signal, when asked to run, then nothing starts', async () => {
		const controller = new AbortController();
		controller.abort();
		const result = await runCommand({argv: [node, fixture('spawn-tree.mjs')], signal: controller.signal});
		expect(result).toMatchObject({cancelled: true, stdout: '', exitCode: null});
	});

	test('given a running tree, when killAllChildren is called, then child and grandchild are gone at once', async () => {
		const {tree, outcome} = startTree({args: ['--ignore-term']});
		const pids = await tree;
		killAllChildren();
		const result = await outcome;
		expect(result.exitCode).toBeNull();
		expect(result.signal).toBe('SIGKILL');
		expectTreeGone(pids);
	});

	test('given a child that exits and leaves a grandchild holding its output, when it exits, then the step ends and so does the grandchild', async () => {
		const started = Date.now();
		const {tree, outcome} = startTree({args: ['--exit'], timeoutMs: 20_000});
		const pids = await tree;
		const result = await outcome;
		expect(result).toMatchObject({exitCode: 0, timedOut: false});
		expect(Date.now() - started).toBeLessThan(10_000);
		expectTreeGone(pids);
	});
});
