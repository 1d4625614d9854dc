import {randomBytes} from 'node:crypto';
import {closeSync, constants, openSync, readdirSync, readFileSync, writeSync} from 'node:fs';

// Every child runs as the leader of its own process group, so the group id is its pid and one
// signal to -pid reaches its whole tree (execa and Node only ever signal the one child).

/** Groups that may still have members: killed all at once when greenlight exits. */
const liveGroups = new Set<number>();

/** How long a group gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 2000;

const POLL_MS = 50;

/** Where the live groups are written down, so a greenlight killed with -9 can be cleaned up after. */
let recordFile: string | undefined;

/**
 * The variable every child of this greenlight carries in its environment, with this greenlight's
 * marker as value. A kill -9 can land between the fork of a child and the record of its group; the
 * marker still finds that child, and whatever it started, when the session is opened again.
 */
export const CHILD_MARKER_VARIABLE = 'GREENLIGHT_SESSION_CHILD';

let marker: string | undefined;

/** What a child's environment gets on top of the step's own: the marker, once groups are recorded. */
export const childMarkerEnv = (): Record<string, string> => (marker === undefined ? {} : {[CHILD_MARKER_VARIABLE]: marker});

type GroupRecord = {marker?: string; groups: Array<{pgid: number; started?: string}>};

const record = (): void => {
	if (!recordFile) return;
	const written: GroupRecord = {marker, groups: [...liveGroups].map((pgid) => ({pgid, started: processStartTime(pgid)}))};
	try {
		// Never through a symbolic link planted in the session folder.
		const fd = openSync(recordFile, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
		try {
			writeSync(fd, JSON.stringify(written));
		} finally {
			closeSync(fd);
		}
	} catch {
		// The record is a safety net; a full disk must not fail the step.
	}
};

export const trackGroup = (pgid: number): void => {
	liveGroups.add(pgid);
	record();
};

export const untrackGroup = (pgid: number): void => {
	if (liveGroups.delete(pgid)) record();
};

const readRecord = (file: string): GroupRecord => {
	try {
		const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
		// Sessions written before the marker kept a bare list of groups.
		if (Array.isArray(parsed)) return {groups: parsed as GroupRecord['groups']};
		if (parsed && typeof parsed === 'object') {
			const {marker: old, groups} = parsed as Partial<GroupRecord>;
			return {marker: typeof old === 'string' ? old : undefined, groups: Array.isArray(groups) ? groups : []};
		}
	} catch {
		// no record yet
	}
	return {groups: []};
};

/** Pids of the processes whose environment carries `value` in the marker variable (Linux /proc; none elsewhere). */
const processesMarked = (value: string): number[] => {
	let entries: string[];
	try {
		entries = readdirSync('/proc');
	} catch {
		return [];
	}
	const needle = Buffer.from(`${CHILD_MARKER_VARIABLE}=${value}\0`);
	const found: number[] = [];
	for (const entry of entries) {
		if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
		let environ: Buffer;
		try {
			environ = readFileSync(`/proc/${entry}/environ`);
		} catch {
			continue; // gone, or another user's
		}
		const at = environ.indexOf(needle);
		if (at === 0 || (at > 0 && environ[at - 1] === 0)) found.push(Number(entry));
	}
	return found;
};

/**
 * Keeps a record of running groups in `file` from now on, after killing whatever an earlier,
 * killed greenlight left there: the groups it recorded (a group counts only if its leader's start
 * time still matches, so a reused pid is never hit), and every process carrying its marker, with
 * its group, which catches a child forked just before the kill and not yet recorded. Returns the
 * groups it killed.
 */
export const recordGroupsIn = (file: string): number[] => {
	const killed = new Set<number>();
	const leftovers = readRecord(file);
	for (const {pgid, started} of leftovers.groups) {
		if (typeof pgid === 'number' && started !== undefined && processStartTime(pgid) === started && signalGroup(pgid, 'SIGKILL')) killed.add(pgid);
	}
	if (leftovers.marker !== undefined) {
		const own = processGroupOf(process.pid);
		for (const pid of processesMarked(leftovers.marker)) {
			// A marked process leads its own group, or belongs to one a marked child started: kill it whole.
			const pgid = processGroupOf(pid);
			const target = pgid !== undefined && pgid > 0 && pgid !== own ? pgid : undefined;
			if (target !== undefined ? signalGroup(target, 'SIGKILL') : signalProcess(pid, 'SIGKILL')) killed.add(target ?? pid);
		}
	}
	marker = randomBytes(16).toString('hex');
	recordFile = file;
	record();
	return [...killed];
};

const processGroupOf = (pid: number): number | undefined => {
	const pgid = Number(processStatFields(pid)?.[2]);
	return Number.isInteger(pgid) ? pgid : undefined;
};

/** Sends a signal to a process (a pid) or a group (its negated id); false when it is already gone. */
const signalProcess = (target: number, signal: NodeJS.Signals | 0): boolean => {
	try {
		process.kill(target, signal);
		return true;
	} catch {
		// ESRCH: nothing left to signal; EPERM cannot happen for our own children.
		return false;
	}
};

/** Sends a signal to every process of the group; false when the group is already gone. */
export const signalGroup = (pgid: number, signal: NodeJS.Signals | 0): boolean => signalProcess(-pgid, signal);

/** Whether a process of the group still runs. Zombies do not count: they have exited and only wait to be reaped. */
export const isGroupAlive = (pgid: number): boolean => {
	if (!signalGroup(pgid, 0)) return false;
	const states = groupStates(pgid);
	return states === undefined || states.some((state) => state !== 'Z');
};

/**
 * The fields of /proc/<pid>/stat after the command name: [0] is the state ("R", "S", "Z", …),
 * [2] the process group. Undefined where there is no such process or no /proc.
 */
export const processStatFields = (pid: number): string[] | undefined => {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// The command name may hold spaces and parentheses, so read after the last ")".
		return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	} catch {
		return undefined;
	}
};

/** When a process started, in clock ticks since boot (field 22 of /proc/<pid>/stat): tells a reused pid from the one we knew. */
export const processStartTime = (pid: number): string | undefined => processStatFields(pid)?.[19];

/** Whether a process runs. A zombie does not: it has exited and only waits for its parent to reap it. */
export const isProcessRunning = (pid: number): boolean => {
	try {
		process.kill(pid, 0);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
	}
	const fields = processStatFields(pid);
	return fields === undefined ? existsWithoutProc() : fields[0] !== 'Z';
};

const existsWithoutProc = (): boolean => {
	try {
		readdirSync('/proc');
		return false; // /proc exists but the process has no entry: it is gone
	} catch {
		return true; // no /proc to ask; kill(pid, 0) succeeded, so it exists
	}
};

/** Process states of the group's members from /proc; undefined where there is no /proc. */
const groupStates = (pgid: number): string[] | undefined => {
	let entries: string[];
	try {
		entries = readdirSync('/proc');
	} catch {
		return undefined;
	}
	const states: string[] = [];
	for (const entry of entries) {
		if (!/^\d+$/.test(entry)) continue;
		const fields = processStatFields(Number(entry));
		if (fields?.[0] !== undefined && Number(fields[2]) === pgid) states.push(fields[0]);
	}
	return states;
};

const sleep = (ms: number): Promise<void> =>
	new Promise((resolve) => {
		setTimeout(resolve, ms);
	});

/** SIGTERM to the group, SIGKILL to whatever is left after the grace time; resolves when it is done. */
export const terminateGroup = async (pgid: number, graceMs: number = KILL_GRACE_MS): Promise<void> => {
	if (!signalGroup(pgid, 'SIGTERM')) {
		untrackGroup(pgid);
		return;
	}
	const deadline = Date.now() + graceMs;
	while (Date.now() < deadline) {
		await sleep(POLL_MS);
		if (!isGroupAlive(pgid)) {
			untrackGroup(pgid);
			return;
		}
	}
	signalGroup(pgid, 'SIGKILL');
	untrackGroup(pgid);
};

/**
 * Signals every group still running. Synchronous, so it is safe in a process 'exit' handler;
 * SIGKILL by default because nobody waits for a grace time there.
 */
export const killAllChildren = (signal: NodeJS.Signals = 'SIGKILL'): void => {
	for (const pgid of liveGroups) {
		signalGroup(pgid, signal);
		if (signal === 'SIGKILL') liveGroups.delete(pgid);
	}
};

/** The graceful variant for an orderly shutdown: SIGTERM to all, SIGKILL to what is left after the grace. */
export const terminateAllChildren = async (graceMs: number = KILL_GRACE_MS): Promise<void> => {
	await Promise.all([...liveGroups].map((pgid) => terminateGroup(pgid, graceMs)));
};

/** How many groups are being tracked; for tests and diagnostics. */
export const liveGroupCount = (): number => liveGroups.size;
