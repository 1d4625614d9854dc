import {randomBytes} from 'node:crypto';
import {flyctlTokenFrom, parseFlyTokens} from '../../adapters/fly-tokens.js';
import type {FlyAuth, FlyState} from '../fly-state.js';
import type {FlyResult} from './command.js';
import {pretty} from './output.js';
import type {ParsedFly} from './parse-argv.js';

// The fake fly's login, as flyctl decides it: the token comes from --access-token, else the first of
// FLY_ACCESS_TOKEN and FLY_API_TOKEN that is set, even when empty (superfly/flyctl
// internal/config/config.go applyEnv, internal/env/env.go First); the sandbox has no config file
// from `fly auth login` behind them. Only the rehearsal's own macaroon is accepted, so a wrong
// FLY_API_TOKEN fails here as it fails against Fly.

const OPERATOR = 'operator@lokaltreu.de';

/** A macaroon of the rehearsal, shaped like `fly tokens create` output; it opens nothing but the sandbox. */
export const newSandboxAuth = (): FlyAuth => ({token: `fm2_${randomBytes(36).toString('base64url')}`, email: OPERATOR});

/** The token as the rehearsal hands it out in FLY_API_TOKEN: with its scheme, as `fly tokens create` prints it. */
export const sandboxTokenOf = (auth: FlyAuth): string => `FlyV1 ${auth.token}`;

/** fly-go's ErrNoAuthToken, as every command that needs a session prints it without a token. */
const NO_TOKEN = "no access token available. Please login with 'flyctl auth login'";

/** The GraphQL API's answer to a token it does not accept (flyctl issue #4261, auth_error_test.go). */
const UNAUTHORIZED = 'You must be authenticated to view this.';

export type Session = {ok: true; email: string} | {ok: false; result: FlyResult};

/**
 * Whether this invocation is logged in to the sandbox's Fly. A state without `auth` (written before
 * the stand-in checked tokens) lets every caller in. A refused token from the environment gets
 * flyctl's suggestion naming the variable (internal/cli/auth_error_test.go); `whoami` wraps the API's
 * message as runWhoAmI does (internal/command/auth/whoami.go), other commands print it bare.
 */
export const requireSession = (state: FlyState, parsed: ParsedFly, env: Readonly<Record<string, string | undefined>>): Session => {
	if (!state.auth) return {ok: true, email: OPERATOR};
	const flag = parsed.flags['access-token'];
	const given = typeof flag === 'string' ? {name: '--access-token', token: flag} : flyctlTokenFrom(env);
	if (!given?.token.trim()) return {ok: false, result: {exitCode: 1, stdout: '', stderr: `Error: ${NO_TOKEN}\n`}};
	const {macaroons, userTokens} = parseFlyTokens(given.token);
	if ([...macaroons, ...userTokens].includes(state.auth.token)) return {ok: true, email: state.auth.email};
	const message = parsed.command === 'auth whoami' ? `failed retrieving current user: ${UNAUTHORIZED}` : UNAUTHORIZED;
	// flyctl words its suggestion for the variables; for --access-token greenlight never passes, only the error.
	const suggestion =
		given.name === '--access-token'
			? ''
			: `The token provided by ${given.name} was rejected for this request. This environment variable overrides credentials saved by \`fly auth login\`; check its value and permissions, or unset it and try again.\n\n`;
	return {ok: false, result: {exitCode: 1, stdout: '', stderr: `Error: ${message}\n${suggestion}`}};
};

/** Fake `fly auth whoami`: the email, or with --json `{"email": …}` through render.JSON (internal/command/auth/whoami.go). */
export const authWhoami = (email: string, flags: ParsedFly['flags']): string => (flags.json === true ? pretty({email}) : `${email}\n`);
