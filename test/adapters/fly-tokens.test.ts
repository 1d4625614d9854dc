import {describe, expect, it} from 'vitest';
import {describeFlyToken, flyAuthorizationHeader, flyctlTokenFrom, parseFlyTokens} from '../../source/adapters/fly-tokens.js';

describe('Fly tokens as fly-go parses and sends them', () => {
	it('given "FlyV1 fm2_a,fm2_b" as `fly tokens create` prints it, then both parts are macaroons and go as they are', () => {
		expect(parseFlyTokens('FlyV1 fm2_a,fm2_b')).toEqual({macaroons: ['fm2_a', 'fm2_b'], userTokens: []});
		expect(flyAuthorizationHeader('FlyV1 fm2_a,fm2_b')).toBe('FlyV1 fm2_a,fm2_b');
	});

	it('given fm1r_, fm1a_ and fm2_ without a scheme, then they get "FlyV1 "; fm1_ alone is no macaroon prefix', () => {
		expect(flyAuthorizationHeader('fm1r_x')).toBe('FlyV1 fm1r_x');
		expect(flyAuthorizationHeader('fm1a_x')).toBe('FlyV1 fm1a_x');
		expect(flyAuthorizationHeader('fm2_x')).toBe('FlyV1 fm2_x');
		expect(flyAuthorizationHeader('fm1_x')).toBe('Bearer fm1_x');
	});

	it('given a legacy OAuth token, then "Bearer "; given macaroons beside it, only the macaroons go', () => {
		expect(flyAuthorizationHeader('q1w2e3r4')).toBe('Bearer q1w2e3r4');
		expect(flyAuthorizationHeader('Bearer q1w2e3r4')).toBe('Bearer q1w2e3r4');
		expect(flyAuthorizationHeader('q1w2e3r4, fm2_a')).toBe('FlyV1 fm2_a');
	});

	it('given schemes stacked, in any case, then all are stripped; never "Bearer FlyV1 …"', () => {
		expect(flyAuthorizationHeader('Bearer FlyV1 fm2_a')).toBe('FlyV1 fm2_a');
		expect(flyAuthorizationHeader('  bearer  flyv1 fm2_a \n')).toBe('FlyV1 fm2_a');
	});

	it('given nothing, then no header; the description never repeats the token', () => {
		expect(flyAuthorizationHeader('')).toBeUndefined();
		expect(flyAuthorizationHeader(' , ')).toBeUndefined();
		expect(describeFlyToken('FlyV1 fm2_secretpart,fm2_other')).toBe('a Fly macaroon (2 parts), sent as "FlyV1 …"');
		expect(describeFlyToken('secretpart')).not.toContain('secretpart');
	});

	it('given both variables, then flyctl reads FLY_ACCESS_TOKEN first, even when it is set but empty', () => {
		expect(flyctlTokenFrom({FLY_API_TOKEN: 'b'})).toEqual({name: 'FLY_API_TOKEN', token: 'b'});
		expect(flyctlTokenFrom({FLY_ACCESS_TOKEN: 'a', FLY_API_TOKEN: 'b'})).toEqual({name: 'FLY_ACCESS_TOKEN', token: 'a'});
		expect(flyctlTokenFrom({FLY_ACCESS_TOKEN: '', FLY_API_TOKEN: 'b'})).toEqual({name: 'FLY_ACCESS_TOKEN', token: ''});
		expect(flyctlTokenFrom({})).toBeUndefined();
	});
});
