import {isoNow} from '../clock.js';
import {addMachine, currentImage, liveMachines, updateState} from '../fly-state.js';
import {deployedConfig, processNames} from './app-config.js';
import {FlyError, requireApp, type FlyAction} from './command.js';
import {failedWith, printLines, succeeded} from './output.js';
import {describeFailure, waitForMachines} from './wait-for-machines.js';

// Fake `fly scale count N`, after superfly/flyctl internal/command/scale/count.go and
// count_machines.go: the group (--process-group, default "app") must be one of the app's deployed
// config (not the local fly.toml); machines are added on the current release and image, or destroyed.

const signed = (delta: number) => (delta > 0 ? `+${delta}` : String(delta)).padStart(4);

export const scaleCount: FlyAction = async (io, parsed, target) => {
	const wanted = Number(parsed.positionals[0]);
	if (!Number.isInteger(wanted) || wanted < 0) throw new FlyError(`invalid count: ${parsed.positionals[0] ?? ''}`);
	const group = typeof parsed.flags['process-group'] === 'string' ? parsed.flags['process-group'] : 'app';
	const plan = updateState(io.stateFile, (state) => {
		const app = requireApp(state, target.name);
		const all = liveMachines(state, app.name);
		const names = processNames(deployedConfig(app, all));
		if (!names.includes(group)) {
			throw new FlyError(
				`Attempting to scale unknown process groups [${group}] but valid names are [${names.join(' ')}].\n Use \`fly scale count COUNT --process-group=NAME\` \n or multi group syntax \`fly scale count NAME1=COUNT1 NAME2=COUNT2 ...\``,
			);
		}
		if (parsed.flags.yes !== true && all.filter((machine) => machine.processGroup === group).length !== wanted) {
			throw new FlyError('yes flag must be specified when not running interactively');
		}
		const image = currentImage(app);
		const machines = all.filter((machine) => machine.processGroup === group);
		const now = isoNow();
		const created: string[] = [];
		const destroyed: string[] = [];
		if (machines.length < wanted && !image) throw new FlyError(`app ${app.name} has no release to scale: deploy it first`);
		const release = app.releases.filter((entry) => entry.status === 'complete').at(-1)?.version ?? 1;
		for (let count = machines.length; count < wanted; count += 1) {
			created.push(addMachine(state, {app: app.name, processGroup: group, image: image as string, release, state: 'starting'}, now).id);
		}
		for (const machine of machines.slice(wanted)) {
			machine.state = 'destroyed';
			machine.updatedAt = now;
			destroyed.push(machine.id);
		}
		return {app: app.name, created, destroyed};
	});
	if (plan.created.length + plan.destroyed.length === 0) return succeeded('App already scaled to desired state. No need for changes\n');
	const lines = [`App '${plan.app}' is going to be scaled according to this plan:`];
	const delta = plan.created.length - plan.destroyed.length;
	lines.push(`${signed(delta)} machines for group '${group}' on region 'fra' of size 'shared-cpu-1x'`);
	lines.push('Executing scale plan');
	const {failed} = await waitForMachines(io, plan.created);
	for (const id of plan.created) lines.push(`  Created ${id} group:${group} region:fra size:shared-cpu-1x`);
	for (const id of plan.destroyed) lines.push(`  Destroyed ${id} group:${group} region:fra size:shared-cpu-1x`);
	if (failed.length > 0) return failedWith(failed.map(describeFailure).join('\n'), printLines(lines));
	return succeeded(printLines(lines));
};
