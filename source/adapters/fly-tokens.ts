// Fly.io tokens as flyctl reads them and as fly-go sends them. Taken from superfly/fly-go
// tokens/tokens.go (Parse, StripAuthorizationScheme, normalized) and superfly/flyctl
// internal/config/config.go (applyEnv: FLY_ACCESS_TOKEN before FLY_API_TOKEN, the first one set).

/** What `fly tokens create` prints is a macaroon; `fly auth token` of an old login is a user (OAuth) token. */
export type FlyTokens = {macaroons: string[]; userTokens: string[]};

/** The prefixes fly-go counts as macaroons: the part of a token before its first "_". */
const MACAROON_PREFIXES = new Set(['fm1r', 'fm1a', 'fm2']);

/** "FlyV1 fm2_…" and "Bearer …" lose their scheme, as often as they carry one (fly-go StripAuthorizationScheme). */
const stripScheme = (token: string): string => {
	const trimmed = token.trim();
	const space = trimmed.indexOf(' ');
	if (space < 0) return trimmed;
	const scheme = trimmed.slice(0, space).trim().toLowerCase();
	return scheme === 'bearer' || scheme === 'flyv1' ? stripScheme(trimmed.slice(space + 1)) : trimmed;
};

/**
 * A token string as fly-go's Parse splits it: scheme stripped, comma-separated parts trimmed,
 * macaroons by prefix, everything else a user token. Empty parts are dropped (fly-go would keep an
 * empty user token and send "Bearer ").
 */
export const parseFlyTokens = (token: string): FlyTokens => {
	const parsed: FlyTokens = {macaroons: [], userTokens: []};
	for (const part of stripScheme(token).split(',')) {
		const piece = part.trim();
		if (piece === '') continue;
		const prefix = piece.split('_', 1)[0] ?? '';
		(MACAROON_PREFIXES.has(prefix) ? parsed.macaroons : parsed.userTokens).push(piece);
	}
	return parsed;
};

/**
 * The Authorization header fly-go sends to a Fly service other than GraphQL (normalized(false,
 * true), as its FlapsHeader): the macaroons as "FlyV1 m1,m2" when there are any, else the user
 * tokens as "Bearer t". A token given with its scheme ("FlyV1 fm2_…", as `fly tokens create`
 * prints it) therefore goes as it is; a bare "fm2_…" gets "FlyV1 "; never "Bearer FlyV1 …".
 * Undefined for an empty token.
 */
export const flyAuthorizationHeader = (token: string): string | undefined => {
	const {macaroons, userTokens} = parseFlyTokens(token);
	if (macaroons.length > 0) return `FlyV1 ${macaroons.join(',')}`;
	if (userTokens.length > 0) return `Bearer ${userTokens.join(',')}`;
	return undefined;
};

/** What kind of token a person gave, in words, never the token itself. */
export const describeFlyToken = (token: string): string => {
	const {macaroons, userTokens} = parseFlyTokens(token);
	if (macaroons.length > 0) return `a Fly macaroon (${macaroons.length === 1 ? 'one part' : `${macaroons.length} parts`}), sent as "FlyV1 …"`;
	if (userTokens.length > 0) return 'not a macaroon (an OAuth/personal token), sent as "Bearer …"';
	return 'empty';
};

/** The environment variables flyctl takes its token from, in its order: the first one set wins, even when empty. */
export const FLYCTL_TOKEN_ENV = ['FLY_ACCESS_TOKEN', 'FLY_API_TOKEN'] as const;

/** The variable flyctl reads its token from in this environment, and the token; undefined when none is set. */
export const flyctlTokenFrom = (env: Readonly<Record<string, string | undefined>>): {name: (typeof FLYCTL_TOKEN_ENV)[number]; token: string} | undefined => {
	for (const name of FLYCTL_TOKEN_ENV) {
		const token = env[name];
		if (token !== undefined) return {name, token};
	}
	return undefined;
};
