import {APP_GROUP, listMachines, processGroupOf, REPLAY_GROUP, type FlyCallOptions, type ListedMachine} from './traffic-lever.js';

// `greenlight roles`: which side serves production and which is idle, read from live state with the
// lever's own `fly machine list`. The edge app owns the hostname and the lever: its "app" group
// serves production unless machines of its "replay" group are in service, which hand requests to
// the other app. A release deploys only into the other app, and only while it carries no traffic.

/** What `fly machine list` says of both apps: the counts a decision rests on, and the versions they run. */
export type RolesReading = {
	edgeApp: string;
	otherApp: string;
	appMachines: number;
	appInService: number;
	replayMachines: number;
	replayInService: number;
	/** The image tags the edge app's app group runs. */
	liveVersions: string[];
	/** The image tags the other app's machines run; none before its first deploy. */
	idleVersions: string[];
};

/** Live and idle when a release may deploy into the other app; otherwise why not, naming the counts. */
export type RolesDecision = RolesReading & ({ok: true; live: string; idle: string} | {ok: false; serving: string[]; refusal: string});

/** A machine the proxy sends requests to: started and not cordoned (`fly machine cordon`). */
const takesTraffic = (machine: ListedMachine) => machine.state === 'started' && machine.cordoned !== true;

const versionOf = (machine: ListedMachine): string | undefined => {
	const tag = machine.image_ref?.tag;
	if (tag) return tag;
	const image = (machine.config ?? machine.incomplete_config)?.image;
	return image?.split(/:(?=[^/]*$)/)[1];
};

const versions = (machines: ListedMachine[]): string[] => [...new Set(machines.flatMap((machine) => versionOf(machine) ?? []))].sort();

/** Pure: the roles of the two apps from their machine lists. */
export const decideRoles = (edgeApp: string, otherApp: string, edgeMachines: ListedMachine[], otherMachines: ListedMachine[]): RolesDecision => {
	const app = edgeMachines.filter((machine) => processGroupOf(machine) === APP_GROUP);
	const replay = edgeMachines.filter((machine) => processGroupOf(machine) === REPLAY_GROUP);
	const reading: RolesReading = {
		edgeApp,
		otherApp,
		appMachines: app.length,
		appInService: app.filter(takesTraffic).length,
		replayMachines: replay.length,
		replayInService: replay.filter(takesTraffic).length,
		liveVersions: versions(app),
		idleVersions: versions(otherMachines),
	};
	const replayCount = `${reading.replayInService} of ${reading.replayMachines} ${REPLAY_GROUP} machines of ${edgeApp} in service`;
	const way = `Finish the last release's 'Green als neue Blue deklarieren' or roll it back (greenlight shift --weight 0) first.`;
	if (reading.replayInService > 0 && reading.appInService === 0) {
		return {
			...reading,
			ok: false,
			serving: [otherApp],
			refusal: `${otherApp} carries production traffic (${replayCount}): deploying into it would change production. ${way}`,
		};
	}
	if (reading.replayInService > 0) {
		return {
			...reading,
			ok: false,
			serving: [edgeApp, otherApp],
			refusal: `${otherApp} carries production traffic (${replayCount}, beside ${reading.appInService} of ${reading.appMachines} ${APP_GROUP} machines): a switch is under way, and deploying into ${otherApp} would change production. ${way}`,
		};
	}
	if (reading.appInService === 0) {
		return {
			...reading,
			ok: false,
			serving: [],
			refusal: `no machine of ${edgeApp} is in service (${reading.appInService} of ${reading.appMachines} ${APP_GROUP}, ${replayCount}): production has nothing to answer it; restore it (greenlight shift --weight 0) before a release.`,
		};
	}
	return {...reading, ok: true, live: edgeApp, idle: otherApp};
};

/** The two lines a person reads: which side is live, which idle (or why a release must not start). */
export const describeRoles = (decision: RolesDecision): string[] => {
	const live = decision.liveVersions.length > 0 ? `, ${decision.liveVersions.join(', ')}` : '';
	const idle = decision.idleVersions.length > 0 ? decision.idleVersions.join(', ') : 'no machines';
	if (!decision.ok) return [decision.refusal];
	return [
		`live: ${decision.live} (${APP_GROUP} group, ${decision.appInService} of ${decision.appMachines} machines in service${live})`,
		`idle: ${decision.idle} (${idle})`,
	];
};

/** What `--json` prints: an object a runbook step captures from (`$.live`, `$.idle`). */
export const rolesJson = (decision: RolesDecision) => ({
	live: decision.ok ? decision.live : null,
	idle: decision.ok ? decision.idle : null,
	serving: decision.ok ? [decision.live] : decision.serving,
	appInService: decision.appInService,
	appMachines: decision.appMachines,
	replayInService: decision.replayInService,
	replayMachines: decision.replayMachines,
	liveVersions: decision.liveVersions,
	idleVersions: decision.idleVersions,
	refusal: decision.ok ? null : decision.refusal,
});

/** Reads both apps' machines with the lever's fly calls and decides. */
export const readRoles = async (
	edgeApp: string,
	otherApp: string,
	options: FlyCallOptions,
): Promise<{ok: true; decision: RolesDecision} | {ok: false; message: string}> => {
	const edge = await listMachines(edgeApp, options);
	if (!edge.ok) return edge;
	const other = await listMachines(otherApp, options);
	if (!other.ok) return other;
	return {ok: true, decision: decideRoles(edgeApp, otherApp, edge.machines, other.machines)};
};
