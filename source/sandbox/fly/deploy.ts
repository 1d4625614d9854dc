import {createHash} from 'node:crypto';
import {isoNow} from '../clock.js';
import {addMachine, liveMachines, updateState} from '../fly-state.js';
import {FlyError, requireApp, type FlyAction} from './command.js';
import {failedWith, printLines, succeeded} from './output.js';
import {describeFailure, waitForMachines} from './wait-for-machines.js';

// Fake `fly deploy --image`: records a release in the sandbox state and waits for the supervisor to start the machines.

export const deploy: FlyAction = async (io, parsed) => {
	const image = parsed.flags.image;
	if (typeof image !== 'string' || image === '') {
		throw new FlyError('the rehearsal has no builder: deploy a prebuilt image with --image <ref>');
	}
	const strategy = typeof parsed.flags.strategy === 'string' ? parsed.flags.strategy : 'rolling';
	if (!['canary', 'rolling', 'immediate', 'bluegreen'].includes(strategy)) {
		throw new FlyError(`unsupported deployment strategy '${strategy}'. Valid values are: canary, rolling, immediate, bluegreen`);
	}
	const {appName, version, ids, created} = updateState(io.stateFile, (state) => {
		const target = requireApp(state, parsed.flags);
		const version = (target.releases.at(-1)?.version ?? 0) + 1;
		target.releases.push({
			version,
			status: 'running',
			description: `Deploy image ${image}`,
			imageRef: image,
			strategy: strategy.toUpperCase(),
			user: 'operator@lokaltreu.de',
			createdAt: isoNow(),
		});
		const now = isoNow();
		let machines = liveMachines(state, target.name);
		let created = 0;
		if (machines.length === 0) {
			// A first deploy creates two machines for high availability, as flyctl does.
			for (let count = 0; count < 2; count += 1) {
				addMachine(state, {app: target.name, processGroup: 'app', image, release: version, state: 'created'}, now);
				created += 1;
			}
			machines = liveMachines(state, target.name);
		}
		const changed: string[] = [];
		for (const machine of machines) {
			machine.release = version;
			if (machine.image === image && machine.state === 'started') continue;
			machine.image = image;
			machine.state = 'starting';
			delete machine.check;
			delete machine.exit;
			delete machine.passedOnce;
			machine.updatedAt = now;
			changed.push(machine.id);
		}
		return {appName: target.name, version, ids: changed, created};
	});
	const lines = [
		'==> Verifying app config',
		'--> Verified app config',
		`==> Building image`,
		`Searching for image '${image}' remotely...`,
		`image found: img_${createHash('sha1').update(image).digest('hex').slice(0, 14)}`,
		'',
		`Watch your deployment at https://fly.io/apps/${appName}/monitoring`,
		'',
		created > 0
			? `Creating ${created} machines for app ${appName} (high availability)`
			: `Updating existing machines in '${appName}' with ${strategy} strategy`,
	];
	if (parsed.flags.detach === true) return succeeded(printLines(lines));
	const {started, failed} = await waitForMachines(io, ids);
	updateState(io.stateFile, (state) => {
		const release = state.apps[appName]?.releases.find((entry) => entry.version === version);
		if (release) release.status = failed.length > 0 ? 'failed' : 'complete';
	});
	for (const machine of started) lines.push(`  Machine ${machine.id} [app] update finished: success`);
	if (ids.length === 0) lines.push('  No machines needed an update: they already run this image');
	if (failed.length > 0) return failedWith(failed.map(describeFailure).join('\n'), printLines(lines));
	lines.push('', `Visit your newly deployed app at https://${appName}.fly.dev/`);
	return succeeded(printLines(lines));
};
