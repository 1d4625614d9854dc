import {recordGroupsIn} from '../adapters/process-tree.js';
import {readSession, resumeRefusal, sessionForRun, sessionPaths, type SessionPaths} from '../adapters/session-folder.js';
import {acquireSessionLock} from '../adapters/session-lock.js';
import {checkStepLogs} from '../adapters/step-output.js';
import type {EngineEvent} from '../engine/events.js';

export type OpenSession = {
	sessionDir: string;
	paths: SessionPaths;
	/** Events of an earlier process on this session: the run resumes from them. */
	priorEvents: EngineEvent[];
	lock: {release(): Promise<void>};
};

/**
 * The session a run works in, ready to drive: found or created, its journal verified, allowed to
 * be resumed on this target, locked for this process, and cleared of processes an earlier
 * greenlight killed with -9 left behind. Undefined (after saying why) when it cannot be driven.
 */
export const openSessionForRun = async (
	options: {session?: string; runbookFile: string; runbookSha256: string; target: string; operator: string; rehearsal: boolean},
	say: (text: string) => void,
): Promise<OpenSession | undefined> => {
	// A rehearsal starts afresh unless told which session to go on with; a real run resumes its runbook's.
	const sessionDir = sessionForRun({session: options.session, cwd: process.cwd(), runbookFile: options.runbookFile, resume: !options.rehearsal});
	const read = readSession(sessionDir);
	if (!read.ok) {
		say(read.message);
		return undefined;
	}
	for (const warning of read.warnings) say(warning);
	// A log that lost what the journal says it held is said before the run goes on; it does not stop it.
	for (const problem of checkStepLogs(sessionPaths(sessionDir).logs, read.events)) say(problem);
	const refusal = resumeRefusal(sessionDir, read.events, options.target, {file: options.runbookFile, sha256: options.runbookSha256});
	if (refusal) {
		say(refusal);
		return undefined;
	}
	const lock = await acquireSessionLock(sessionDir, {operator: options.operator});
	if (!lock.ok) {
		say(lock.message);
		return undefined;
	}
	const paths = sessionPaths(sessionDir);
	const leftovers = recordGroupsIn(paths.children);
	if (leftovers.length > 0) say(`killed ${leftovers.length} process group(s) left running by an earlier greenlight on this session`);
	return {sessionDir, paths, priorEvents: read.events, lock};
};
