import {parseArgs, type ParseArgsConfig} from 'node:util';
import {MAX_SANDBOX_RPS, PRODUCTION_RPS} from '../sandbox/load-rate.js';

/** A mistake on the command line: printed as one line with a hint, exit code 2. */
export class UsageError extends Error {}

export const EXIT = {completed: 0, failed: 1, usage: 2} as const;

/** What `rehearse --speed` divides watch and bake times by when it is not given. */
export const REHEARSAL_SPEED = 20;

/** The target `rehearse` runs, whose commands go to the sandbox: preflight starts one for it too. */
export const REHEARSAL_TARGET = 'rehearsal';

export const helpText = `greenlight — a release runbook as a live, gated checklist

Usage:
  greenlight run [FILE] [--target T] [--var k=v]… [--operator NAME] [--session DIR]
                 [--yes] [--json] [--on-fail stop|rollback] [--on-unknown stop|rerun|done]
      Walk the release. Automated steps run by themselves; Enter confirms a phase only when its
      evidence is green. Resumes an unfinished session of the same runbook, with the
      variables it started with.
  greenlight rehearse [FILE] [--scenario NAME] [--speed N] [--world DIR] [run options]
      The same runbook against a local Fly.io sandbox (target "rehearsal"), started and stopped
      around the run. --speed divides watch and bake times (default ${REHEARSAL_SPEED}) and multiplies
      the sandbox's traffic (${PRODUCTION_RPS} requests/s at speed 1, at most ${MAX_SANDBOX_RPS}). --world DIR keeps
      the sandbox's Fly (apps, machines, releases, cordons) in DIR instead of the session: the
      next rehearsal with the same DIR (--var version=…) starts where this one left it.
  greenlight join [--session DIR] [--operator NAME] [--key SSH_KEY] [--json]
      The pair's live view of a running session, over the driver's socket: n adds a note, Enter
      gives the second confirmation of a four-eyes phase. Who you are is verified as the runbook
      says ("pair": {"verify": …}): uid (another Unix user; the default for run), ssh-key (each
      confirmation signed with --key, checked against the allowed signers) or name (rehearsals;
      recorded as not verified).
  greenlight preflight [FILE] [--target T] [--var k=v]…
      Before a release, check without changing anything that the run will find what it needs:
      every variable has a value, the files (--config) and programs (fly, gh, …) its steps use are
      there, fly auth whoami accepts the token, fly status answers for each app, and every metric
      source answers (with data, or why not). One line per check; exit 0 only when all pass. Runs
      no step of the runbook. --target rehearsal checks against a sandbox started for it.
  greenlight validate [FILE]        check a runbook; FILE:LINE:COL: path: message per problem
  greenlight schema                 print the runbook JSON Schema
  greenlight scenarios              list the rehearsal faults
  greenlight export [--session DIR] [--out DIR]
      write the release record (docs/releases/vX.Y.Z.md) and the observability snapshot again;
      with --out DIR both go there (DIR/docs/releases/, DIR/export/), else the snapshot stays in the session
  greenlight contract --openapi FILE --target URL [--timeout 60s] [--header "Name: value"]…
      contract suite: real Prism proxy in front of URL, one request per operation
  greenlight shift --app APP --green-app APP --weight N [--blue-machines ID,ID]
      the traffic lever: cordon/uncordon blue's machines and its fly-replay group so that
      about N% of the machines in service replay to the green app (real flyctl commands);
      what green really gets, Fly's proxy decides: a traffic step's "share" measures it
  greenlight roles --app APP --green-app APP [--json]
      which app serves production and which is idle, read from live state (fly machine list):
      live is APP's app group unless machines of its replay group are in service. Exit 1, with
      the reason, when the green app carries production traffic: a release must not deploy into it

FILE defaults to ./runbook.json. Sessions live in .greenlight/sessions/ unless --session.
Without a terminal, greenlight prints plain lines (--json: one JSON event per line) and needs
--yes to confirm phases (it ticks manual steps and never overrides a failing gate).

Keys: Enter confirm phase · Space tick manual step · t retry · r rollback · o break-glass override
      n note · ? help · q quit (the session can be resumed)

Exit codes: 0 release completed · 1 stopped, failed or rolled back · 2 usage or validation error
            (preflight: 0 all checks passed · 1 a check failed · 2 usage or validation error)
`;

export const parse = <T extends ParseArgsConfig['options']>(args: string[], options: T, positionals = 1) => {
	try {
		const parsed = parseArgs({args, options, allowPositionals: true, strict: true});
		if (parsed.positionals.length > positionals) {
			throw new UsageError(`unexpected argument "${parsed.positionals[positionals]}"`);
		}
		return parsed;
	} catch (error) {
		if (error instanceof UsageError) throw error;
		// node:util's messages name the option; drop its internal error code.
		throw new UsageError((error as Error).message.replace(/^.*?: /, '').replace(/\. To specify.*$/, ''));
	}
};

/** --var a=1 --var b=2 → {a: '1', b: '2'} */
export const parseVars = (values: string[] | undefined): Record<string, string> => {
	const result: Record<string, string> = {};
	for (const entry of values ?? []) {
		const at = entry.indexOf('=');
		if (at <= 0) throw new UsageError(`--var expects name=value, got "${entry}"`);
		result[entry.slice(0, at)] = entry.slice(at + 1);
	}
	return result;
};
