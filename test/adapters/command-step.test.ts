import {existsSync, mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, describe, expect, test} from 'vitest';
import {executeCommandStep} from '../../source/adapters/command-step.js';
import {isProcessRunning as isRunning} from '../../source/adapters/process-tree.js';
import type {StepContext} from '../../source/adapters/step-context.js';
import {CommandStep} from '../../source/runbook/schema.js';

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'bin');
const node = process.execPath;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'greenlight-command-step-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

/** A step as the runbook would hold it, checked by the schema so the test cannot use a shape a runbook cannot. */
const commandStep = (fields: Record<string, unknown>): CommandStep =>
	CommandStep.parse({id: 'check', title: 'Check', kind: 'command', ...fields});

const run = async (
	step: CommandStep,
	options: {
		variables?: Record<string, string>;
		signal?: AbortSignal;
		runbookDir?: string;
		onLog?: (line: string) => void;
	} = {},
) => {
	const lines: string[] = [];
	const context: StepContext<CommandStep> = {
		phase: 'pre',
		step,
		variables: options.variables ?? {},
		env: {...process.env} as Record<string, string>,
		runbookDir: options.runbookDir ?? bin,
		signal: options.signal ?? new AbortController().signal,
		log: (line) => {
			lines.push(line);
			options.onLog?.(line);
		},
		emit: () => {},
		speed: 1,
		metrics: {},
	};
	const result = await executeCommandStep(context);
	return {result, lines};
};

describe('captures feed later steps', () => {
	const hostileFile = path.join(scratch, 'pwned');
	const hostile = `$(touch ${hostileFile}); rm -rf "*" | & > <`;

	test('given a capture full of shell metacharacters, when the next step uses it, then it arrives as one untouched argv element', async () => {
		const first = await run(
			commandStep({
				run: [node, 'say.mjs', '0', JSON.stringify({image: hostile})],
				capture: {image: {json: '$.image'}},
			}),
		);
		expect(first.result).toMatchObject({status: 'passed', exitCode: 0, captured: {image: hostile}});

		const second = await run(
			commandStep({run: [node, 'print-argv.mjs', '{{image}}', '--tag={{image}}']}),
			{variables: first.result.captured},
		);
		expect(second.result.status).toBe('passed');
		const received = JSON.parse(second.lines.find((line) => line.startsWith('[')) ?? 'null') as unknown;
		expect(received).toEqual([hostile, `--tag=${hostile}`]);
		expect(existsSync(hostileFile)).toBe(false);
	});

	test('given shell: true, when a captured value is passed as $1, then the script sees it untouched', async () => {
		const {result, lines} = await run(
			commandStep({run: ['printf "[%s]\\n" "$1"', '{{image}}'], shell: true}),
			{variables: {image: hostile}},
		);
		expect(result.status).toBe('passed');
		expect(lines).toContain(`[${hostile}]`);
		expect(existsSync(hostileFile)).toBe(false);
	});

	test('given a regex capture, when stdout carries the value, then the first group is captured', async () => {
		const {result} = await run(
			commandStep({
				run: [node, 'say.mjs', '0', 'deploying\nimage: registry.fly.io/shop:v42'],
				capture: {greenImage: {regex: 'image: (\\S+)'}},
			}),
		);
		expect(result).toMatchObject({status: 'passed', captured: {greenImage: 'registry.fly.io/shop:v42'}});
		expect(result.reason).toContain('captured greenImage');
	});

	test('given a capture that finds nothing, then the step fails and names the capture and its pattern', async () => {
		const {result} = await run(
			commandStep({run: [node, 'say.mjs', '0', 'no image here'], capture: {greenImage: {regex: 'image: (\\S+)'}}}),
		);
		expect(result).toMatchObject({status: 'failed', reason: 'capture greenImage: no match for /image: (\\S+)/'});
	});

	test('given a variable without a value, then the step fails naming it and nothing runs', async () => {
		const marker = path.join(scratch, 'ran');
		const {result, lines} = await run(commandStep({run: [node, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`, '{{image}}']}));
		expect(result).toEqual({status: 'failed', reason: 'variable {{image}} has no value'});
		expect(lines).toEqual([]);
		expect(existsSync(marker)).toBe(false);
	});
});

describe('expectations', () => {
	test('given a failing command, then the reason gives the exit code and its last stderr line', async () => {
		const {result, lines} = await run(commandStep({run: [node, 'say.mjs', '1', 'starting', 'Error: app not found']}));
		expect(result).toEqual({status: 'failed', exitCode: 1, reason: 'exit code 1 (expected 0): Error: app not found'});
		expect(lines).toEqual([`$ ${node} say.mjs 1 starting "Error: app not found"`, 'starting', 'Error: app not found']);
	});

	test('given an expected non-zero exit code, when the command exits with it, then the step passes', async () => {
		const {result} = await run(commandStep({run: [node, 'say.mjs', '3'], expect: {exitCode: 3}}));
		expect(result).toMatchObject({status: 'passed', exitCode: 3});
	});

	test('given a stdout expectation, then it passes on a match and fails naming the pattern otherwise', async () => {
		const passing = await run(
			commandStep({run: [node, 'say.mjs', '0', '{"state":"started"}'], expect: {stdout: '"started"'}}),
		);
		expect(passing.result.status).toBe('passed');
		const failing = await run(
			commandStep({run: [node, 'say.mjs', '0', '{"state":"stopped"}'], expect: {stdout: '"started"'}}),
		);
		expect(failing.result).toMatchObject({status: 'failed', exitCode: 0, reason: 'stdout did not match /"started"/'});
	});

	test('given JSON expectations on stdout, then every one must hold and a failure names the path and the value found', async () => {
		const status = (machines: unknown[]) => [node, 'say.mjs', '0', JSON.stringify({Name: 'lokaltreu-api-green', Machines: machines})];
		const expectJson = [
			{path: '$.Machines[*].state', equals: 'started'},
			{path: "$.Machines[*].checks[?(@.status != 'passing')].status", absent: true},
		];
		const healthy = {state: 'started', checks: [{name: 'http-8080', status: 'passing'}]};
		const passing = await run(commandStep({run: status([healthy, healthy]), expect: {json: expectJson}}));
		expect(passing.result).toMatchObject({
			status: 'passed',
			reason: "exit code 0; $.Machines[*].state, $.Machines[*].checks[?(@.status != 'passing')].status as expected",
		});

		const stopped = await run(commandStep({run: status([healthy, {...healthy, state: 'stopped'}]), expect: {json: expectJson}}));
		expect(stopped.result).toMatchObject({status: 'failed', reason: '$.Machines[*].state was "stopped" (expected "started")'});

		const critical = await run(commandStep({run: status([healthy, {state: 'started', checks: [{status: 'critical'}]}]), expect: {json: expectJson}}));
		expect(critical.result).toMatchObject({status: 'failed', reason: `$.Machines[*].checks[?(@.status != 'passing')].status should find nothing, found "critical"`});

		const notJson = await run(commandStep({run: [node, 'say.mjs', '0', 'Error: no such app'], expect: {json: {path: '$.Machines'}}}));
		expect(notJson.result).toMatchObject({status: 'failed', reason: 'stdout is not JSON, so $.Machines cannot be read'});
	});

	test('given a secret step whose JSON is not as expected, the reason names the path, not the value', async () => {
		const {result} = await run(
			commandStep({run: [node, 'say.mjs', '0', '{"token":"tok-s3cret"}'], secret: true, expect: {json: {path: '$.token', matches: '^ok'}}}),
		);
		expect(result.reason).toBe('$.token not as expected (expected to match /^ok/) (output hidden: secret step)');
	});

	test('given a program that is not installed, then the step fails with "command not found"', async () => {
		const {result} = await run(commandStep({run: ['fly-not-installed-here', 'status']}));
		expect(result).toMatchObject({status: 'failed', reason: 'command not found: fly-not-installed-here'});
	});
});

describe('environment, directory, stdin', () => {
	test('given env, cwd and stdin with variables, then each is substituted and cwd is relative to the runbook', async () => {
		const {result, lines} = await run(
			commandStep({
				run: [node, path.join(bin, 'env-and-cwd.mjs'), 'APP_NAME'],
				env: {APP_NAME: 'shop-{{colour}}'},
				cwd: '{{folder}}',
			}),
			{variables: {colour: 'green', folder: 'bin'}, runbookDir: path.resolve(bin, '..')},
		);
		expect(result.status).toBe('passed');
		const seen = JSON.parse(lines.find((line) => line.startsWith('{')) ?? 'null') as {cwd: string; env: object};
		expect(seen).toEqual({cwd: bin, env: {APP_NAME: 'shop-green'}});

		const piped = await run(commandStep({run: [node, 'read-stdin.mjs'], stdin: 'app={{colour}}\n'}), {
			variables: {colour: 'green'},
		});
		expect(piped.lines).toContain(JSON.stringify({text: 'app=green\n', isTTY: false}));
	});
});

describe('stopping', () => {
	const pidsFrom = (lines: string[]) =>
		JSON.parse(lines.find((line) => line.startsWith('{')) ?? 'null') as {child: number; grandchild: number};

	test('given a step timeout, when it passes, then the step fails saying so and no process of its tree is left', async () => {
		const {result, lines} = await run(commandStep({run: [node, 'spawn-tree.mjs'], timeout: '5s'}));
		expect(result).toEqual({status: 'failed', exitCode: null, reason: 'timed out after 5s (process tree killed)'});
		const pids = pidsFrom(lines);
		expect(isRunning(pids.child)).toBe(false);
		expect(isRunning(pids.grandchild)).toBe(false);
	});

	test('given a running step, when its signal aborts, then it fails as cancelled and no process of its tree is left', async () => {
		const controller = new AbortController();
		const running = run(commandStep({run: [node, 'spawn-tree.mjs']}), {
			signal: controller.signal,
			// Abort once the tree is complete: the fixture prints both pids after starting the grandchild.
			onLog: (line) => {
				if (line.startsWith('{')) controller.abort();
			},
		});
		const {result, lines} = await running;
		expect(result).toMatchObject({status: 'failed', reason: 'cancelled'});
		const pids = pidsFrom(lines);
		expect(isRunning(pids.child)).toBe(false);
		expect(isRunning(pids.grandchild)).toBe(false);
	});
});
