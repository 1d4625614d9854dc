import {describe, expect, it} from 'vitest';
import type {EngineEvent} from '../../source/engine/events.js';
import {createRedactor, REDACTED, redactStdinSecrets} from '../../source/adapters/redactor.js';

const jwt =
	'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ0ZW5hbnQtNDIiLCJpYXQiOjE3MDAwMDAwMDB9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
const pem = [
	'-----BEGIN RSA PRIVATE KEY-----',
	'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun',
	'VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK',
	'-----END RSA PRIVATE KEY-----',
];

describe('redactor', () => {
	it('given a bearer token in a curl command line, when redacted, then only the token is replaced', () => {
		const redactor = createRedactor([]);
		expect(redactor.redact('curl -H "Authorization: Bearer abc.DEF-123_ghi~jkl" https://api.fly.io/prometheus/lokaltreu/')).toBe(
			`curl -H "Authorization: Bearer ${REDACTED}" https://api.fly.io/prometheus/lokaltreu/`,
		);
	});

	it('given basic credentials in a header, when redacted, then they go, but the word Basic in prose stays', () => {
		const redactor = createRedactor([]);
		expect(redactor.redact('Authorization: Basic YWxpY2U6aHVudGVyMg==')).toBe(`Authorization: Basic ${REDACTED}`);
		expect(redactor.redact('Basic configuration applied')).toBe('Basic configuration applied');
	});

	it('given a JWT in a log line, when redacted, then the token is gone but a hostname with dots is kept', () => {
		const redactor = createRedactor([]);
		expect(redactor.redact(`token=${jwt} host=lokaltreu-api-green.fly.dev`)).toBe(`token=${REDACTED} host=lokaltreu-api-green.fly.dev`);
	});

	it('given a private key block in one text, when redacted, then the whole block is replaced and the text around it kept', () => {
		const redactor = createRedactor([]);
		expect(redactor.redact(`key follows\n${pem.join('\n')}\ndone`)).toBe(`key follows\n${REDACTED}\ndone`);
	});

	it('given a private key printed line by line, when each line is redacted, then no line of the key survives and later lines are kept', () => {
		const redactor = createRedactor([]);
		const out = [...pem, 'deploy finished'].map((line) => redactor.redact(line));
		expect(out).toEqual([REDACTED, REDACTED, REDACTED, REDACTED, 'deploy finished']);
	});

	it('given NAME=VALUE lines as `fly secrets import` reads them, when redacted, then the values go and the names stay', () => {
		const redactor = createRedactor([]);
		expect(redactor.redact('DATABASE_URL=postgres://api:hunter22@db/lokaltreu\nexport JWT_SECRET="s3cr3t"\nstatus=ok')).toBe(
			`DATABASE_URL=${REDACTED}\nexport JWT_SECRET=${REDACTED}\nstatus=ok`,
		);
	});

	it('given Fly tokens, when redacted, then both macaroon headers and bare tokens are replaced', () => {
		const redactor = createRedactor([]);
		expect(redactor.redact('auth: FlyV1 fm2_lJPECAAAAAAAAMoN,fm2_lJPETqX7 ok')).toBe(`auth: FlyV1 ${REDACTED} ok`);
		expect(redactor.redact('token fo1_Wq3kzX9c0Lrr7VdPz-aaa stored')).toBe(`token ${REDACTED} stored`);
	});

	it('given a known secret inside longer text, when redacted, then every occurrence is replaced, even in a URL', () => {
		const redactor = createRedactor(['pr0m-t0ken-9f3a', 'abc']);
		expect(redactor.redact('GET /api?key=pr0m-t0ken-9f3a&again=pr0m-t0ken-9f3a abc')).toBe(
			`GET /api?key=${REDACTED}&again=${REDACTED} abc`,
		);
	});

	it('given a secret added later (a captured value of a secret step), when redacted, then it is replaced from then on', () => {
		const redactor = createRedactor([]);
		expect(redactor.redact('id lk-77713')).toBe('id lk-77713');
		redactor.addSecret('lk-77713');
		expect(redactor.redact('id lk-77713')).toBe(`id ${REDACTED}`);
	});

	it('given an event, when redacted, then its free-text fields are walked and the event keeps its shape', () => {
		const redactor = createRedactor(['hunter22-db']);
		const event: EngineEvent = {
			type: 'step-finished',
			ts: 5,
			phase: 'smoke',
			step: 'status',
			status: 'passed',
			exitCode: 0,
			durationMs: 120,
			reason: 'connected with hunter22-db',
			captured: {token: `Bearer ${jwt}`, image: 'registry.fly.io/api:1.4.0'},
		};
		const output: EngineEvent = {type: 'step-output', ts: 6, phase: 'smoke', step: 'status', lines: ['ok', `JWT ${jwt}`]};

		expect(redactor.redactEvent(event)).toEqual({
			...event,
			reason: `connected with ${REDACTED}`,
			captured: {token: `Bearer ${REDACTED}`, image: 'registry.fly.io/api:1.4.0'},
		});
		expect(redactor.redactEvent(output)).toEqual({...output, lines: ['ok', `JWT ${REDACTED}`]});
		expect(event.reason).toBe('connected with hunter22-db');
	});

	it('given redacted text, when redacted again, then it does not change', () => {
		const redactor = createRedactor(['geheim-1234']);
		const once = redactor.redact(`Bearer ${jwt} geheim-1234 API_KEY=xyz`);
		expect(redactor.redact(once)).toBe(once);
	});

	it('given the stdin of `fly secrets import`, when its secrets are registered, then a command echoing a value is redacted', () => {
		const redactor = createRedactor([]);
		const values = redactStdinSecrets(redactor, 'DATABASE_URL=postgres://u:p@db/x\nSENTRY_DSN="https://k3y@sentry.io/1"\n\n# comment\n');
		expect(values).toEqual(['postgres://u:p@db/x', 'https://k3y@sentry.io/1']);
		expect(redactor.redact('set secret to https://k3y@sentry.io/1')).toBe(`set secret to ${REDACTED}`);
	});
});

describe('redactor: a secret in another form is still the secret', () => {
	const secret = 'hunter2-Geheim/42';

	it('given a secret, then it is redacted URL-encoded, hex-encoded, in other letter case and inside base64 at any alignment', () => {
		const redactor = createRedactor([secret]);
		const hex = Buffer.from(secret).toString('hex');
		for (const prefix of ['', 'u:', 'us:', 'use:']) {
			const basic = Buffer.from(`${prefix}${secret}`).toString('base64');
			expect(redactor.redactText(`Authorization: Basic ${basic}`)).not.toContain(basic.slice(4, -4));
		}
		expect(redactor.redactText(`url ${encodeURIComponent(secret)}`)).toBe(`url ${REDACTED}`);
		expect(redactor.redactText(`hex ${hex} and ${hex.toUpperCase()}`)).toBe(`hex ${REDACTED} and ${REDACTED}`);
		expect(redactor.redactText(`lower ${secret.toLowerCase()}`)).toBe(`lower ${REDACTED}`);
		expect(redactor.redactText(`url-safe ${Buffer.from(secret).toString('base64url')}`)).not.toContain(Buffer.from(secret).toString('base64url').slice(2, -2));
	});
});

describe('redactor: whole lines at once, as a step output passes them', () => {
	const plain = Array.from({length: 2000}, (_, index) => `GET /v1/rewards/${index} 200 user=${index} elapsed 12ms`);
	// One of each shape a pattern or a known secret catches, as a command would print it.
	const tokens = [
		'curl -H "Authorization: Bearer abc.DEF-123_ghi~jkl"',
		'authorization: basic YWxpY2U6aHVudGVyMg==',
		'auth: FlyV1 fm2_lJPECAAAAAAAAMoN,fm2_lJPETqX7 ok',
		'token fo1_Wq3kzX9c0Lrr7VdPz-aaa stored',
		'token fm1r_Wq3kzX9c0Lrr7VdPz-aaa stored',
		`token=${jwt} host=lokaltreu-api-green.fly.dev`,
		'  export DATABASE_URL=postgres://api:hunter22@db/lokaltreu',
		'connecting with PR0M-T0KEN-9F3A (upper case)',
	];
	const shapes = [...tokens, ...pem, 'deploy finished'];

	it('given a block of whole lines holding every secret shape, then each line comes out as it would on its own', () => {
		const lineByLine = createRedactor(['pr0m-t0ken-9f3a']).stream();
		const atOnce = createRedactor(['pr0m-t0ken-9f3a']).stream();
		const lines = [...plain.slice(0, 500), ...shapes, ...plain.slice(500)];

		const expected = lines.map((line) => lineByLine(line));
		expect(atOnce.lines(`${lines.join('\n')}\n`)).toBe(`${expected.join('\n')}\n`);
		expect(expected.filter((line) => line.includes(REDACTED))).toHaveLength(tokens.length + pem.length);
	});

	it('given each secret shape alone among thousands of plain lines, then it is caught', () => {
		for (const shape of [...tokens, pem[0]!]) {
			const redactor = createRedactor(['pr0m-t0ken-9f3a']).stream();
			const out = redactor.lines(`${plain.join('\n')}\n${shape}\n${plain.join('\n')}\n`);
			expect(out, shape).toContain(REDACTED);
		}
	});

	it('given a private key block split over two blocks, then the second block stays hidden up to the end line', () => {
		const redactor = createRedactor([]).stream();
		expect(redactor.lines(`installing key\n${pem[0]}\n`)).toBe(`installing key\n${REDACTED}\n`);
		expect(redactor.lines(`${pem.slice(1).join('\n')}\nkey installed\n`)).toBe(`${REDACTED}\n${REDACTED}\n${REDACTED}\nkey installed\n`);
	});

	it('given a block with nothing secret in it, then the very same text comes back', () => {
		const redactor = createRedactor(['pr0m-t0ken-9f3a']).stream();
		const text = `${plain.join('\n')}\n`;
		expect(redactor.lines(text)).toBe(text);
	});

	it('given a piece of a long line without its newline, then it is redacted as one line', () => {
		const redactor = createRedactor([]).stream();
		expect(redactor.lines(`${'x'.repeat(100)} Bearer abcdefgh12345`)).toBe(`${'x'.repeat(100)} Bearer ${REDACTED}`);
	});
});
