import {describe, expect, it} from 'vitest';
import {MIN_SECRET_LENGTH, resolveVariables} from '../../source/runbook/resolve.js';
import {Runbook} from '../../source/runbook/schema.js';

const runbook = Runbook.parse({
	title: 'Secrets',
	variables: {token: {env: 'DEPLOY_TOKEN', secret: true}, version: {default: '1.0.0'}},
	phases: [{id: 'pre', title: 'Pre', steps: [{id: 'told', title: 'Told', kind: 'manual'}]}],
});

describe('resolving secrets', () => {
	it('given a secret on the command line, then it is refused: ps shows every command line to every user', () => {
		const resolved = resolveVariables(runbook, '', {cli: {token: 'fo1_longenough'}, env: {}});
		expect(resolved.problems).toEqual([
			'--var token: token is secret, and a command line is visible to every user of this machine; set DEPLOY_TOKEN in the environment instead',
		]);
	});

	it('given a secret shorter than the minimum, then it is refused naming the variable and the length, never the value', () => {
		const resolved = resolveVariables(runbook, '', {cli: {}, env: {DEPLOY_TOKEN: 'abc'}});
		expect(resolved.problems).toEqual([`variable token is secret but its value has 3 characters; a secret needs at least ${MIN_SECRET_LENGTH} to be redacted reliably`]);
		expect(resolved.problems.join()).not.toContain('abc');
	});

	it('given a secret from the environment of a fitting length, then there is no problem', () => {
		expect(resolveVariables(runbook, '', {cli: {}, env: {DEPLOY_TOKEN: 'fo1_abcdefgh'}}).problems).toEqual([]);
	});
});
