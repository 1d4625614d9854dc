import {readFileSync} from 'node:fs';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {describeLoaded, formatProblem, loadRunbook, validateFile, type RunbookProblem} from '../../source/runbook/load.js';

const fixtures = 'test/fixtures/runbooks';
const broken = `${fixtures}/broken`;

/** 1-based line and column of the n-th occurrence of a marker in a fixture, counted independently of the loader. */
const positionOf = (file: string, marker: string, occurrence = 1): {line: number; column: number} => {
	const text = readFileSync(file, 'utf8');
	let offset = -1;
	for (let seen = 0; seen < occurrence; seen++) {
		offset = text.indexOf(marker, offset + 1);
		if (offset < 0) throw new Error(`marker ${marker} not found ${occurrence}× in ${file}`);
	}
	const before = text.slice(0, offset).split('\n');
	return {line: before.length, column: (before.at(-1) ?? '').length + 1};
};

const problemsOf = async (file: string): Promise<RunbookProblem[]> => {
	const result = await loadRunbook(file);
	if (result.ok) throw new Error(`${file} loaded, expected problems`);
	return result.problems;
};

type Case = {
	name: string;
	file: string;
	/** Text in the fixture where the problem must point, with its occurrence; omitted → 1:1. */
	at?: [marker: string, occurrence?: number];
	path: string;
	message: RegExp;
	/** The file the problem is reported in, when it is not `file` (linked runbooks). */
	reportedIn?: string;
};

const cases: Case[] = [
	{name: 'a missing comma', file: 'syntax-error.json', at: ['{"id": "two"'], path: 'phases[0].steps[0]', message: /^JSON syntax error: expected "," between entries$/},
	{name: 'a trailing comma', file: 'trailing-comma.json', at: [']\n}'], path: 'phases[1]', message: /JSON syntax error: .*no trailing comma/},
	{name: 'a comment', file: 'comment.json', at: ['// a comment'], path: '(root)', message: /comments are not allowed/},
	{name: 'a key given twice', file: 'duplicate-key.json', at: ['"timeout"', 2], path: 'phases[0].steps[0].timeout', message: /^duplicate key "timeout" in one object$/},
	{name: 'a string where an argv array belongs', file: 'wrong-type.json', at: ['"fly status"'], path: 'phases[0].steps[0].run', message: /^expected an array, got "fly status"$/},
	{name: 'the typo "timout"', file: 'unknown-key.json', at: ['"timout"'], path: 'phases[0].steps[0].timout', message: /^unknown key "timout" \(did you mean "timeout"\?\)$/},
	{name: 'a step without title', file: 'missing-title.json', at: ['{"id": "two"'], path: 'phases[0].steps[1].title', message: /^missing required field "title"$/},
	{name: 'the duration "5 minutes"', file: 'bad-duration.json', at: ['"5 minutes"'], path: 'phases[0].steps[0].timeout', message: /^expected a duration like "90s", "5m"/},
	{name: 'a regex that does not compile', file: 'bad-regex.json', at: ['"started ("'], path: 'phases[0].steps[0].expect.stdout', message: /^Invalid regular expression: \/started \(\/: Unterminated group$/},
	{name: 'an unknown confirm mode', file: 'bad-kind.json', at: ['"both"'], path: 'phases[0].confirm', message: /^expected one of operator\|pair, got "both"$/},
	{name: 'an unknown step kind', file: 'bad-kind.json', at: ['"comand"'], path: 'phases[0].steps[0].kind', message: /^expected one of manual\|command\|http\|watch\|traffic\|link\|export, got "comand"$/},
	{name: 'a step id used twice', file: 'duplicate-step-id.json', at: ['"check"', 2], path: 'phases[1].steps[0].id', message: /^duplicate step id "check" .*first used at phases\[0\]\.steps\[0\] \(line 4\)$/},
	{name: 'a phase id used twice', file: 'duplicate-phase-id.json', at: ['"a"', 2], path: 'phases[1].id', message: /^duplicate phase id "a"; first used at phases\[0\] \(line 4\)$/},
	{name: 'an undefined variable', file: 'undefined-variable.json', at: ['"{{greenAp}}"'], path: 'phases[0].steps[0].run[3]', message: /^undefined variable \{\{greenAp\}\}: .*did you mean "greenApp"/},
	{name: 'a capture used before the step that captures it', file: 'capture-before.json', at: ['"{{image}}"'], path: 'phases[0].steps[0].run[3]', message: /^\{\{image\}\} is captured by step "find", which runs later/},
	{name: 'a gate on an unknown metric', file: 'unknown-metric.json', at: ['"p59"'], path: 'phases[0].steps[0].gates[0].metric', message: /^unknown metric "p59"; "metrics" defines: p95$/},
	{name: 'a ratio gate on a metric without blue', file: 'ratio-without-blue.json', at: ['1.2'], path: 'phases[0].steps[0].gates[0].maxRatioToBlue', message: /^metric "p95" has no "blue" source/},
	{name: 'a {{variable}} inside a shell script', file: 'shell-template.json', at: ['"fly status --app {{app}}"'], path: 'phases[0].steps[0].run[0]', message: /"shell": true.*\$1, \$2/},
	{name: 'a target setting an undeclared variable', file: 'target-undeclared.json', at: ['"greenURL"'], path: 'targets.rehearsal.variables.greenURL', message: /^target "rehearsal" sets variable "greenURL", which "variables" does not declare \(did you mean "greenUrl"\?\)$/},
	{name: 'a link to a missing file', file: 'link-missing.json', at: ['"no-such-runbook.json"'], path: 'phases[0].steps[0].file', message: /^linked runbook "no-such-runbook.json" does not exist/},
	{name: 'a link cycle', file: 'link-cycle-a.json', reportedIn: 'link-cycle-b.json', at: ['"link-cycle-a.json"'], path: 'phases[0].steps[0].file', message: /^link cycle: link-cycle-a\.json → link-cycle-b\.json → link-cycle-a\.json/},
	{name: 'a link to a broken runbook', file: 'link-to-broken.json', reportedIn: 'bad-duration.json', at: ['"5 minutes"'], path: 'phases[0].steps[0].timeout', message: /expected a duration/},
	{name: 'a capture with both regex and json', file: 'unions.json', at: ['{"regex"'], path: 'phases[0].steps[0].capture.image', message: /^expected exactly one of "regex", "json"$|^expected exactly one of "json", "regex"$/},
	{name: 'an array where a JSON value to compare belongs', file: 'unions.json', at: ['["yes"]'], path: 'phases[0].steps[1].expect.json.equals', message: /^expected a string, a number, true or false or null, got an array$/},
	{name: 'an empty file', file: 'empty.json', path: '(root)', message: /^the file is empty/},
	{name: 'a file of blanks', file: 'blank.json', path: '(root)', message: /^the file is empty/},
	{name: 'a directory', file: 'directory.json', path: '(root)', message: /^is a directory/},
	{name: 'binary garbage', file: 'binary.json', path: '(root)', message: /^is a binary file/},
	{name: 'Latin-1 text', file: 'latin1.json', path: '(root)', message: /^is not UTF-8 text/},
	{name: 'a missing file', file: 'does-not-exist.json', path: '(root)', message: /^no such file/},
	{name: 'a top-level array', file: 'root-array.json', at: ['['], path: '(root)', message: /^expected an object, got an array$/},
];

describe('loading a broken runbook', () => {
	it.each(cases)('given $name, then the problem names FILE:LINE:COL and the JSON path', async (testCase) => {
		const file = `${broken}/${testCase.file}`;
		const reportedIn = `${broken}/${testCase.reportedIn ?? testCase.file}`;
		const expected = testCase.at ? positionOf(reportedIn, ...testCase.at) : {line: 1, column: 1};
		const problems = await problemsOf(file);
		const problem = problems.find((candidate) => candidate.path === testCase.path && testCase.message.test(candidate.message));
		expect(problem, JSON.stringify(problems, null, 1)).toBeDefined();
		expect(problem).toMatchObject({file: reportedIn, ...expected});
	});

	it('given a fixture with two faults, when loaded, then both are reported in the order of the file', async () => {
		const problems = await problemsOf(`${broken}/bad-kind.json`);
		expect(problems.map((problem) => problem.path)).toEqual(['phases[0].confirm', 'phases[0].steps[0].kind']);
	});

	it('given the same broken runbook linked twice, then its problem is reported once', async () => {
		expect((await problemsOf(`${broken}/link-twice.json`)).map(formatProblem)).toEqual([
			expect.stringMatching(/^test\/fixtures\/runbooks\/broken\/bad-duration\.json:5:\d+: phases\[0\]\.steps\[0\]\.timeout: expected a duration/),
		]);
	});

	it('given JSON nested far deeper than any runbook, then one problem says so instead of a crash', async () => {
		const dir = await mkdtemp(path.join(tmpdir(), 'greenlight-runbook-'));
		try {
			await writeFile(path.join(dir, 'deep.json'), `${'['.repeat(200_000)}${']'.repeat(200_000)}`);
			expect(await validateFile(path.join(dir, 'deep.json'))).toEqual({
				exitCode: 2,
				lines: [`${path.join(dir, 'deep.json')}:1:1: (root): is nested too deeply to be a runbook`],
			});
		} finally {
			await rm(dir, {recursive: true, force: true});
		}
	});

	it('given a missing comma, when loaded, then exactly one problem is reported (no follow-up noise)', async () => {
		expect(await problemsOf(`${broken}/syntax-error.json`)).toHaveLength(1);
	});
});

describe('formatting problems', () => {
	it('given a problem, then it reads FILE:LINE:COL: path: message', () => {
		const problem = {file: 'runbook.json', line: 12, column: 7, path: 'phases[1].steps[0].timeout', message: 'expected a duration'};
		expect(formatProblem(problem)).toBe('runbook.json:12:7: phases[1].steps[0].timeout: expected a duration');
	});

	it('given a relative file on the command line, then the printed line keeps it relative', async () => {
		const result = await validateFile(`${broken}/unknown-key.json`);
		expect(result).toEqual({
			exitCode: 2,
			lines: [`${broken}/unknown-key.json:6:8: phases[0].steps[0].timout: unknown key "timout" (did you mean "timeout"?)`],
		});
	});

	it('given an absolute file, then the printed line names it absolutely', async () => {
		const absolute = path.resolve(broken, 'bad-duration.json');
		const result = await validateFile(absolute);
		expect(result.lines[0]).toMatch(new RegExp(`^${absolute.replaceAll('.', '\\.')}:5:\\d+: phases\\[0\\]\\.steps\\[0\\]\\.timeout: `));
	});

	it('given every broken fixture, then validate exits 2 and no line looks like a stack trace', async () => {
		for (const testCase of cases) {
			const result = await validateFile(`${broken}/${testCase.file}`);
			expect(result.exitCode).toBe(2);
			for (const line of result.lines) {
				expect(line).toMatch(/^[^:]+:\d+:\d+: \S.*: \S/);
				expect(line).not.toMatch(/\n|\s+at .*\(.*:\d+:\d+\)/);
			}
		}
	});
});

describe('loading a valid runbook', () => {
	it('given the simple fixture, when validated, then it exits 0 with a one-line summary', async () => {
		expect(await validateFile(`${fixtures}/simple.json`)).toEqual({
			exitCode: 0,
			lines: [`${fixtures}/simple.json: valid — "Simple release", 2 phases, 5 steps, 0 metrics, rollback 1 step, targets: production, rehearsal`],
		});
	});

	it('given the simple fixture, then the loaded runbook has an absolute file, its folder and defaults applied', async () => {
		const result = await loadRunbook(`${fixtures}/simple.json`);
		if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
		expect(result.loaded.file).toBe(path.resolve(fixtures, 'simple.json'));
		expect(result.loaded.dir).toBe(path.resolve(fixtures));
		expect(result.loaded.runbook.phases[0]?.confirm).toBe('operator');
		expect(result.loaded.links).toEqual({});
	});

	it('given a link step, then links maps its id to the linked runbook\'s steps of all phases, in order', async () => {
		const result = await loadRunbook(`${fixtures}/with-link.json`);
		if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
		expect(result.loaded.links).toEqual({
			rotate: [
				{id: 'new-key', title: 'Neuen Schlüssel erzeugen'},
				{id: 'publish', title: 'JWKS veröffentlichen'},
				{id: 'remove-old', title: 'Alten Schlüssel entfernen'},
			],
		});
		expect(describeLoaded(result.loaded)).toBe(
			`${fixtures}/with-link.json: valid — "Release with a linked checklist", 1 phase, 1 step, 0 metrics, no rollback, 1 linked runbook, no targets`,
		);
	});

	it('given the committed runbook.json, when validated, then it is accepted', async () => {
		const result = await validateFile('runbook.json');
		expect(result.lines.join('\n')).toMatch(/^runbook\.json: valid — /);
		expect(result.exitCode).toBe(0);
	});

	it('given no file name at all, then one problem says so', async () => {
		expect(await validateFile('')).toEqual({exitCode: 2, lines: [':1:1: (root): no runbook file named; pass the path of a runbook JSON file']});
	});
});
