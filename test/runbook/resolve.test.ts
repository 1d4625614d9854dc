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

describe('defaults that name other variables', () => {
	const withEndpoint = Runbook.parse({
		title: 'Endpoint',
		variables: {
			flyOrg: {default: 'lokaltreu'},
			prometheusUrl: {default: 'https://api.fly.io/prometheus/{{flyOrg}}'},
			token: {env: 'DEPLOY_TOKEN', secret: true},
		},
		phases: [{id: 'pre', title: 'Pre', steps: [{id: 'told', title: 'Told', kind: 'manual'}]}],
	});

	it('given a default naming another variable, then it is filled in from that variable, also when that one came from --var', () => {
		expect(resolveVariables(withEndpoint, '', {cli: {}, env: {}}).values.prometheusUrl).toBe('https://api.fly.io/prometheus/lokaltreu');
		expect(resolveVariables(withEndpoint, '', {cli: {flyOrg: 'acme'}, env: {}}).values.prometheusUrl).toBe('https://api.fly.io/prometheus/acme');
	});

	it('given the variable itself set, then its value is taken as it is, braces included: a value is data, never a template', () => {
		const resolved = resolveVariables(withEndpoint, '', {cli: {prometheusUrl: 'http://127.0.0.1:9090/{{flyOrg}}'}, env: {}});
		expect(resolved.values.prometheusUrl).toBe('http://127.0.0.1:9090/{{flyOrg}}');
		expect(resolved.problems).toEqual([]);
	});

	it('given a default naming a variable without a value, then that is a problem naming both', () => {
		const lacking = Runbook.parse({...withEndpoint, variables: {flyOrg: {prompt: 'Org'}, prometheusUrl: {default: 'https://x/{{flyOrg}}'}}});
		expect(resolveVariables(lacking, '', {cli: {}, env: {}}).problems).toEqual([
			'variable prometheusUrl: its default names {{flyOrg}}, which has no value to fill in',
		]);
	});
});
