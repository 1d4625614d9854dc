import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {newSandboxAuth, sandboxTokenOf} from '../../source/sandbox/fly/auth.js';
import {updateState, type FlyAuth} from '../../source/sandbox/fly-state.js';
import {GREEN, openWorld, type World} from '../fixtures/upstream/stand-in-world.js';

// The fake fly's login, as flyctl's: the token from --access-token, else FLY_ACCESS_TOKEN, else
// FLY_API_TOKEN; only the rehearsal's own macaroon is accepted, and a refusal reads as flyctl's.

let world: World;
let auth: FlyAuth;
// execa drops the final newline of what the stand-in printed. Neither token variable of the test
// runner's shell may decide these tests.
const withTokens = (env: Record<string, string>) => ({env: {FLY_ACCESS_TOKEN: '', ...env}});
const apiToken = (token: string) => ({env: {FLY_API_TOKEN: token}});
const noTokenVariables = {FLY_API_TOKEN: undefined, FLY_ACCESS_TOKEN: undefined};

beforeAll(() => {
	world = openWorld();
	auth = newSandboxAuth();
	updateState(world.stateFile, (state) => {
		state.auth = auth;
	});
	for (const name of Object.keys(noTokenVariables)) delete process.env[name];
});

afterAll(() => world.dispose());

const refusedFor = (variable: string) =>
	`The token provided by ${variable} was rejected for this request. This environment variable overrides credentials saved by \`fly auth login\`; check its value and permissions, or unset it and try again.`;

describe('fly auth whoami and the token of the rehearsal', () => {
	it('given the rehearsal\'s token in FLY_API_TOKEN, with its "FlyV1 " scheme or without, then whoami prints whose it is', async () => {
		for (const token of [sandboxTokenOf(auth), auth.token]) {
			const result = await world.run('fly', ['auth', 'whoami'], apiToken(token));
			expect(result).toEqual({exitCode: 0, stdout: 'operator@lokaltreu.de', stderr: ''});
		}
		const json = await world.run('fly', ['auth', 'whoami', '--json'], apiToken(sandboxTokenOf(auth)));
		expect(json.stdout).toBe('{\n    "email": "operator@lokaltreu.de"\n}');
	});

	it('given a wrong FLY_API_TOKEN, then whoami and status fail as flyctl does, naming the variable', async () => {
		const whoami = await world.run('fly', ['auth', 'whoami'], apiToken('FlyV1 fm2_revokedrevokedrevoked'));
		expect(whoami).toEqual({exitCode: 1, stdout: '', stderr: `Error: failed retrieving current user: You must be authenticated to view this.\n${refusedFor('FLY_API_TOKEN')}\n`});
		const status = await world.run('fly', ['status', '--app', GREEN, '--json'], apiToken('fm2_revokedrevokedrevoked'));
		expect(status).toEqual({exitCode: 1, stdout: '', stderr: `Error: You must be authenticated to view this.\n${refusedFor('FLY_API_TOKEN')}\n`});
	});

	it('given no token at all, or an empty FLY_ACCESS_TOKEN in front of a good FLY_API_TOKEN, then fly-go\'s "no access token"', async () => {
		const expected = {exitCode: 1, stdout: '', stderr: "Error: no access token available. Please login with 'flyctl auth login'"};
		expect(await world.run('fly', ['auth', 'whoami'])).toEqual(expected);
		expect(await world.run('fly', ['status', '--app', GREEN], withTokens({FLY_API_TOKEN: sandboxTokenOf(auth)}))).toEqual(expected);
	});

	it('given FLY_ACCESS_TOKEN beside FLY_API_TOKEN, then flyctl reads FLY_ACCESS_TOKEN first', async () => {
		const refused = await world.run('fly', ['auth', 'whoami'], withTokens({FLY_ACCESS_TOKEN: 'fm2_somebodyelsesxx', FLY_API_TOKEN: sandboxTokenOf(auth)}));
		expect(refused.stderr).toContain(refusedFor('FLY_ACCESS_TOKEN'));
		const accepted = await world.run('fly', ['auth', 'whoami'], withTokens({FLY_ACCESS_TOKEN: sandboxTokenOf(auth), FLY_API_TOKEN: 'wrong-token'}));
		expect(accepted.exitCode).toBe(0);
	});

	it('given --access-token, then it beats the environment; fly version needs no token', async () => {
		expect((await world.run('fly', ['auth', 'whoami', '--access-token', sandboxTokenOf(auth)], apiToken('wrong-token'))).exitCode).toBe(0);
		const refused = await world.run('fly', ['auth', 'whoami', '-t', 'wrong-token'], apiToken(sandboxTokenOf(auth)));
		expect(refused).toEqual({exitCode: 1, stdout: '', stderr: 'Error: failed retrieving current user: You must be authenticated to view this.'});
		expect((await world.run('fly', ['version'])).exitCode).toBe(0);
	});

	it('given a token, then a command that reads Fly still answers only for apps that exist', async () => {
		const missing = await world.run('fly', ['status', '--app', 'lokaltreu-api-gren', '--json'], apiToken(sandboxTokenOf(auth)));
		expect(missing).toMatchObject({exitCode: 1, stderr: 'Error: failed to get app: Could not find App "lokaltreu-api-gren"'});
	});
});
