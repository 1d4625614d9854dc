import {createHash} from 'node:crypto';
import {isoNow} from '../clock.js';
import {addMachine, liveMachines, updateState, type FlyAppConfig, type FlyMachine} from '../fly-state.js';
import {deployedConfig, processNames, servicesOf} from './app-config.js';
import {FlyError, requireApp, type FlyAction, type FlyResult} from './command.js';
import {failedWith, printLines, succeeded} from './output.js';
import {describeFailure, waitForMachines} from './wait-for-machines.js';

// Fake `fly deploy`, after superfly/flyctl internal/command/deploy:
// - the config (deploy.go determineAppConfig): the file command.go loaded (--config PATH, else
//   ./fly.toml of the working directory or of the WORKING_DIRECTORY argument), else the app's
//   deployed config (appconfig/remote.go); --app always names the app, whatever the file says;
// - the image: --image, else the config's [build] image (the sandbox has no builder);
// - process groups (machines_deploymachinesapp.go deployMachinesApp, resolveProcessGroupChanges):
//   machines of a group the config lacks are destroyed; a group without machines gets one, and a
//   second for high availability when it has services (unless --ha=false or --update-only);
// - the release (machines.go createReleaseInBackend) records the image and the config it deployed,
//   "running" until the machines are up, then "complete" or "failed".
// - --process-groups (deploy.go "Deploy to machines only in these process groups";
//   machines.go machineFilteredFromDeploymentByProcessGroup and ProcessNames): machines of other
//   groups are left out of the deployment altogether, neither updated nor destroyed, and only the
//   named groups of the config count; flyctl says "--process-groups filter applied, deploying to
//   N/M machines". The machines keep their cordons: an update does not put a machine in service.
// A machine already running the image keeps running: the sandbox does not model that restart.

const STRATEGIES = ['canary', 'rolling', 'immediate', 'bluegreen'];

type Plan = {
	appName: string;
	version: number;
	config: FlyAppConfig;
	image: string;
	destroyed: Map<string, number>;
	created: Array<{group: string; count: number}>;
	updated: string[];
	firstDeploy: boolean;
	/** "--process-groups filter applied, deploying to N/M machines", when the flag was given. */
	filter?: string;
};

const plural = (count: number, word: string) => `${count} "${word}" machine${count === 1 ? '' : 's'}`;

/** The groups of --process-groups (comma-separated, repeatable), or undefined for all. */
const onlyGroups = (flag: string | boolean | undefined): string[] | undefined => {
	const names = typeof flag === 'string' ? flag.split(',').map((name) => name.trim()).filter(Boolean) : [];
	return names.length > 0 ? names : undefined;
};

export const deploy: FlyAction = async (io, parsed, target) => {
	const strategy = typeof parsed.flags.strategy === 'string' ? parsed.flags.strategy : 'rolling';
	if (!STRATEGIES.includes(strategy)) {
		throw new FlyError(`unsupported deployment strategy '${strategy}'. Valid values are: ${STRATEGIES.join(', ')}`);
	}
	const highAvailability = parsed.flags.ha !== false;
	const plan = updateState(io.stateFile, (state): Plan => {
		const app = requireApp(state, target.name);
		const all = liveMachines(state, app.name);
		const config: FlyAppConfig = {...(target.config ?? deployedConfig(app, all)), app: app.name};
		const only = onlyGroups(parsed.flags['process-groups']);
		const machines = only ? all.filter((machine) => only.includes(machine.processGroup)) : all;
		const image = typeof parsed.flags.image === 'string' && parsed.flags.image !== '' ? parsed.flags.image : config.image;
		if (!image) throw new FlyError('the rehearsal has no builder: deploy a prebuilt image with --image <ref> or [build] image in fly.toml');
		const version = (app.releases.at(-1)?.version ?? 0) + 1;
		const now = isoNow();
		app.releases.push({
			version,
			status: 'running',
			description: `Deploy image ${image}`,
			imageRef: image,
			strategy: strategy.toUpperCase(),
			user: 'operator@lokaltreu.de',
			createdAt: now,
			config,
		});
		// The machines a deploy updates get every secret, staged ones too.
		for (const secret of Object.values(app.secrets)) delete secret.staged;
		const groups = processNames(config).filter((name) => !only || only.includes(name));
		const destroyed = new Map<string, number>();
		for (const machine of machines.filter((entry) => !groups.includes(entry.processGroup))) {
			machine.state = 'destroyed';
			machine.updatedAt = now;
			destroyed.set(machine.processGroup, (destroyed.get(machine.processGroup) ?? 0) + 1);
		}
		const kept = machines.filter((machine) => groups.includes(machine.processGroup));
		const created: Plan['created'] = [];
		if (parsed.flags['update-only'] !== true) {
			for (const group of groups.filter((name) => !kept.some((machine) => machine.processGroup === name))) {
				const count = highAvailability && servicesOf(config, group).length > 0 ? 2 : 1;
				for (let index = 0; index < count; index += 1) {
					kept.push(addMachine(state, {app: app.name, processGroup: group, image, release: version, state: 'created'}, now));
				}
				created.push({group, count});
			}
		}
		const updated: string[] = [];
		for (const machine of kept) {
			const fresh = machine.state === 'created';
			machine.release = version;
			if (!fresh && machine.image === image && machine.state === 'started') continue;
			machine.image = image;
			machine.state = fresh ? 'created' : 'starting';
			delete machine.check;
			delete machine.exit;
			delete machine.passedOnce;
			machine.updatedAt = now;
			updated.push(machine.id);
		}
		return {
			appName: app.name,
			version,
			config,
			image,
			destroyed,
			created,
			updated,
			firstDeploy: all.length === 0,
			...(only ? {filter: `--process-groups filter applied, deploying to ${machines.length}/${all.length} machines`} : {}),
		};
	});
	const lines = [
		'==> Verifying app config',
		'--> Verified app config',
		`==> Building image`,
		`Searching for image '${plan.image}' remotely...`,
		`image found: img_${createHash('sha1').update(plan.image).digest('hex').slice(0, 14)}`,
		'',
		`Watch your deployment at https://fly.io/apps/${plan.appName}/monitoring`,
		'',
	];
	// What warnAboutProcessGroupChanges prints before machines change.
	if (plan.destroyed.size > 0 || plan.created.length > 0) {
		lines.push(plan.firstDeploy ? 'This deployment will:' : 'Process groups have changed. This will:');
		for (const [group, count] of plan.destroyed) lines.push(` * destroy ${plural(count, group)}`);
		for (const {group, count} of plan.created) lines.push(` * create ${plural(count, group)}`);
		lines.push('');
	}
	for (const {group, count} of plan.created) {
		lines.push(`No machines in group ${group}, launching a new machine`);
		if (count > 1) lines.push('Creating a second machine for high availability and zero downtime deployments.');
	}
	if (plan.updated.length > plan.created.reduce((sum, entry) => sum + entry.count, 0)) {
		lines.push(`Updating existing machines in '${plan.appName}' with ${strategy} strategy`);
	}
	// flyctl writes the filter's line to stderr (md.io.ErrOut), the rest of its progress to stdout.
	const noted = (result: FlyResult): FlyResult => (plan.filter ? {...result, stderr: `${plan.filter}\n${result.stderr}`} : result);
	if (parsed.flags.detach === true) return noted(succeeded(printLines(lines)));
	const {started, failed} = await waitForMachines(io, plan.updated);
	updateState(io.stateFile, (state) => {
		const release = state.apps[plan.appName]?.releases.find((entry) => entry.version === plan.version);
		if (release) release.status = failed.length > 0 ? 'failed' : 'complete';
	});
	for (const machine of started) lines.push(`  Machine ${machine.id} [${machine.processGroup}] update finished: success`);
	if (plan.updated.length === 0) lines.push('  No machines needed an update: they already run this image');
	if (failed.length > 0) return noted(failedWith(failed.map((machine: FlyMachine) => describeFailure(machine)).join('\n'), printLines(lines)));
	lines.push('', `Visit your newly deployed app at https://${plan.appName}.fly.dev/`);
	return noted(succeeded(printLines(lines)));
};
