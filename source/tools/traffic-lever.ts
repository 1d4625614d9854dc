import {commandFailure} from '../adapters/command-failure.js';
import {runCommand} from '../adapters/command-runner.js';

// `greenlight shift`, run against the real fly in production and against the sandbox's fake fly in a rehearsal.
// Fly has no weighted split. The lever: the blue app runs, beside its API machines (process group
// "app"), a process group "replay" whose machines answer every request with
// `fly-replay: app=<green app>`. A weight becomes how many machines of each group are uncordoned,
// so the share of replay machines among those in service is closest to it. What green really gets
// is the proxy's choice (the least loaded, closest machine; at random only among equals): an
// intention until measured, which is what a traffic step's share gate does.
// Without a green app, green machines are the "green" process group of the same app.

export type ShiftOptions = {
	app: string;
	greenApp?: string;
	weight: number;
	env: Record<string, string>;
	/** Blue machines to put back in service (captured before the switch); default: the "app" group. */
	blueMachines?: string[];
	timeoutMs?: number;
};

export type ShiftResult = {ok: boolean; message: string};

/** A machine as `fly machine list --json` prints it; `incomplete_config` stands in for `config` when its host is unreachable (fly-go machine_types.go, GetConfig). */
export type ListedMachine = {
	id: string;
	state?: string;
	cordoned?: boolean;
	config?: {metadata?: Record<string, string>; image?: string};
	incomplete_config?: {metadata?: Record<string, string>; image?: string};
	image_ref?: {repository?: string; tag?: string};
	checks?: Array<{name?: string; status?: string}>;
};

/**
 * Why a blue machine cannot take traffic now, if it cannot: not started (crashed, stopped, still
 * being replaced by a deploy) or a health check critical. Traffic moved onto it would find no answer.
 */
const unready = (machine: ListedMachine): string | undefined => {
	if (machine.state !== 'started') return `${machine.id} is ${machine.state ?? 'in an unknown state'}`;
	const critical = machine.checks?.find((check) => check.status === 'critical');
	return critical ? `${machine.id} has check ${critical.name ?? ''} critical`.replace('  ', ' ') : undefined;
};

/** The edge app's process groups: its API machines, and the machines that replay every request to the green app. */
export const APP_GROUP = 'app';
export const REPLAY_GROUP = 'replay';

/** The machine's process group (fly_process_group); flyctl's default group is "app". */
export const processGroupOf = (machine: ListedMachine): string => (machine.config ?? machine.incomplete_config)?.metadata?.fly_process_group ?? APP_GROUP;

/** The (green, blue) machine counts whose green share is closest to the weight; more machines win ties. */
export const splitForWeight = (weight: number, greenTotal: number, blueTotal: number): {green: number; blue: number} => {
	if (weight <= 0 || greenTotal === 0) return {green: 0, blue: blueTotal};
	if (weight >= 100 || blueTotal === 0) return {green: greenTotal, blue: 0};
	let best = {green: 1, blue: blueTotal, error: Number.POSITIVE_INFINITY};
	for (let green = 1; green <= greenTotal; green += 1) {
		for (let blue = 1; blue <= blueTotal; blue += 1) {
			const error = Math.abs((100 * green) / (green + blue) - weight);
			if (error < best.error - 1e-9 || (Math.abs(error - best.error) < 1e-9 && green + blue > best.green + best.blue)) {
				best = {green, blue, error};
			}
		}
	}
	return {green: best.green, blue: best.blue};
};

/** Where and how long the lever's fly commands run. */
export type FlyCallOptions = {env: Record<string, string>; timeoutMs?: number};

const fly = async (argv: string[], options: FlyCallOptions): Promise<{ok: true; stdout: string} | {ok: false; message: string}> => {
	const result = await runCommand({argv: ['fly', ...argv], env: options.env, timeoutMs: options.timeoutMs ?? 60_000});
	const why = commandFailure(result);
	if (why === undefined) return {ok: true, stdout: result.stdout};
	return {ok: false, message: `fly ${argv.join(' ')}: ${why}`};
};

/** `fly machine list --app APP --json`, destroyed machines left out: what the lever and `greenlight roles` read. */
export const listMachines = async (app: string, options: FlyCallOptions): Promise<{ok: true; machines: ListedMachine[]} | {ok: false; message: string}> => {
	const listed = await fly(['machine', 'list', '--app', app, '--json'], options);
	if (!listed.ok) return listed;
	try {
		const parsed: unknown = JSON.parse(listed.stdout);
		if (!Array.isArray(parsed)) throw new Error('not a list');
		return {ok: true, machines: (parsed as ListedMachine[]).filter((machine) => machine.state !== 'destroyed')};
	} catch {
		return {ok: false, message: `fly machine list --app ${app} --json printed no JSON list`};
	}
};

export const shiftTraffic = async (options: ShiftOptions): Promise<ShiftResult> => {
	const {app, greenApp, weight} = options;
	if (!Number.isFinite(weight) || weight < 0 || weight > 100) return {ok: false, message: `weight must be 0..100, got ${weight}`};
	const listed = await listMachines(app, options);
	if (!listed.ok) return listed;
	const {machines} = listed;
	const greenGroup = greenApp ? REPLAY_GROUP : 'green';
	const green = machines.filter((machine) => processGroupOf(machine) === greenGroup);
	const blue = options.blueMachines?.length
		? machines.filter((machine) => options.blueMachines?.includes(machine.id))
		: machines.filter((machine) => processGroupOf(machine) === APP_GROUP);
	if (options.blueMachines?.length && blue.length !== options.blueMachines.length) {
		const missing = options.blueMachines.filter((id) => !machines.some((machine) => machine.id === id));
		return {ok: false, message: `blue machines ${missing.join(', ')} are not machines of ${app}`};
	}
	if (weight > 0 && green.length === 0) {
		return {
			ok: false,
			message: greenApp
				? `${app} has no machines in process group "replay" (answering with fly-replay: app=${greenApp}); add one to fly.toml [processes]`
				: `${app} has no machines in process group "green"`,
		};
	}
	if (weight < 100 && blue.length === 0) return {ok: false, message: `${app} has no blue machines (process group "app") to take traffic`};
	const split = splitForWeight(weight, green.length, blue.length);
	// Never trade machines that answer for none that do: when every blue machine to take traffic is
	// down (a deploy into blue's app group failed, as a promotion can), the traffic stays where it is.
	// Some down is Fly's everyday: its proxy passes over a machine whose check fails.
	const notReady = blue.slice(0, split.blue).flatMap((machine) => unready(machine) ?? []);
	if (split.blue > 0 && notReady.length === split.blue) {
		return {
			ok: false,
			message: `no blue machine can take traffic: ${notReady.join('; ')}. Nothing was moved; deploy a working image to ${app}'s app group (fly deploy --image … --process-groups app) or wait for its deploy, then shift again`,
		};
	}
	const uncordon = [...green.slice(0, split.green), ...blue.slice(0, split.blue)].map((machine) => machine.id);
	const cordon = [...green.slice(split.green), ...blue.slice(split.blue)].map((machine) => machine.id);
	// In service first, out of service second: the app never has zero machines taking traffic.
	if (uncordon.length > 0) {
		const result = await fly(['machine', 'uncordon', ...uncordon, '--app', app], options);
		if (!result.ok) return result;
	}
	if (cordon.length > 0) {
		const result = await fly(['machine', 'cordon', ...cordon, '--app', app], options);
		if (!result.ok) return result;
	}
	const share = split.green + split.blue === 0 ? 0 : Math.round((100 * split.green) / (split.green + split.blue));
	const target = greenApp ? `replay to ${greenApp}` : 'are green';
	const unanswered = notReady.length > 0 ? `; not answering yet: ${notReady.join('; ')}` : '';
	return {
		ok: true,
		message: `green ≈ ${share}% (asked ${weight}%): ${split.green} of ${split.green + split.blue} machines in service on ${app} ${target}${unanswered}`,
	};
};
