import {describe, expect, it} from 'vitest';
import {codePositions, substituteArgv} from '../../source/runbook/template.js';

describe('argv templates: a value is data, never code and never an option', () => {
	it('finds what a shell, an interpreter, eval or ssh would run as code, also behind wrappers', () => {
		expect(codePositions(['bash', '-c', 'echo deploying {{sub}}'])).toEqual([2]);
		expect(codePositions(['env', 'A=1', '/bin/sh', '-ec', 'run {{x}}', 'sh', '{{y}}'])).toEqual([4]);
		expect(codePositions(['sudo', '-u', 'deploy', 'zsh', '-lc', 'x'])).toEqual([5]);
		expect(codePositions(['docker', 'exec', 'api', 'sh', '-c', 'x'])).toEqual([5]);
		expect(codePositions(['python3', '-c', 'print(1)'])).toEqual([2]);
		expect(codePositions(['node', '--eval', 'x'])).toEqual([2]);
		expect(codePositions(['ssh', '-p', '2222', '-i', 'key', 'host', 'uptime', '{{x}}'])).toEqual([6, 7]);
		expect(codePositions(['fly', 'deploy', '--image', '{{image}}'])).toEqual([]);
	});

	it('given a variable in a script position, then substitution refuses, whatever the value', () => {
		expect(() => substituteArgv(['bash', '-c', 'echo deploying {{sub}}'], {sub: 'harmless'})).toThrow(/\{\{sub\}\} stands in argument 2, which a shell or an interpreter runs as code/);
		expect(() => substituteArgv(['ssh', 'bastion', 'systemctl restart {{unit}}'], {unit: 'api'})).toThrow(/\{\{unit\}\}/);
	});

	it('given a script that takes its values as "$1", then the value arrives as an argument and stays data', () => {
		expect(substituteArgv(['bash', '-c', 'echo deploying "$1"', 'greenlight', '{{sub}}'], {sub: '$(touch /tmp/pwned)'})).toEqual([
			'bash',
			'-c',
			'echo deploying "$1"',
			'greenlight',
			'$(touch /tmp/pwned)',
		]);
	});

	it('given a whole-argument value that starts with "-", then it is refused: --image {{img}} never becomes --image --help', () => {
		expect(() => substituteArgv(['fly', 'deploy', '--image', '{{img}}'], {img: '--help'})).toThrow(/\{\{img\}\} has a value that starts with "-"/);
		expect(substituteArgv(['fly', 'deploy', '--image={{img}}'], {img: 'registry.fly.io/api:1'})).toEqual(['fly', 'deploy', '--image=registry.fly.io/api:1']);
	});

	it('given a variable the runbook declares optionLike, then its value may start with "-"; the others still may not', () => {
		expect(substituteArgv(['scale', '--delta', '{{delta}}'], {delta: '-2'}, ['delta'])).toEqual(['scale', '--delta', '-2']);
		expect(() => substituteArgv(['scale', '--delta', '{{delta}}', '{{img}}'], {delta: '-2', img: '--help'}, ['delta'])).toThrow(/\{\{img\}\} has a value/);
	});
});
