import {isoNow} from '../clock.js';
import {addMachine, currentImage, liveMachines, updateState} from '../fly-state.js';
import {FlyError, requireApp, type FlyAction} from './command.js';
import {failedWith, printLines, succeeded} from './output.js';
import {describeFailure, waitForMachines} from './wait-for-machines.js';

// Fake `fly scale count N`: adds or destroys machines of a process group in the sandbox state.

export const scaleCount: FlyAction = async (io, parsed) => {
	const wanted = Number(parsed.positionals[0]);
	if (!Number.isInteger(wanted) || wanted < 0) throw new FlyError(`invalid count: ${parsed.positionals[0] ?? ''}`);
	if (parsed.flags.yes !== true) throw new FlyError('yes flag must be specified when not running interactively');
	const group = typeof parsed.flags['process-group'] === 'string' ? parsed.flags['process-group'] : 'app';
	const plan = updateState(io.stateFile, (state) => {
		const target = requireApp(state, parsed.flags);
		const image = currentImage(target);
		const machines = liveMachines(state, target.name).filter((machine) => machine.processGroup === group);
		const now = isoNow();
		const created: string[] = [];
		const destroyed: string[] = [];
		if (machines.length < wanted && !image) throw new FlyError(`app ${target.name} has no release to scale: deploy it first`);
		for (let count = machines.length; count < wanted; count += 1) {
			const release = target.releases.at(-1)?.version ?? 1;
			created.push(addMachine(state, {app: target.name, processGroup: group, image: image as string, release, state: 'starting'}, now).id);
		}
		for (const machine of machines.slice(wanted)) {
			machine.state = 'destroyed';
			machine.updatedAt = now;
			destroyed.push(machine.id);
		}
		return {app: target.name, created, destroyed};
	});
	const lines = [`App '${plan.app}' is going to be scaled according to this plan:`];
	if (plan.created.length > 0) lines.push(`  +${plan.created.length} machines for group '${group}' on region 'fra' of size 'shared-cpu-1x'`);
	if (plan.destroyed.length > 0) lines.push(`  -${plan.destroyed.length} machines for group '${group}' on region 'fra' of size 'shared-cpu-1x'`);
	if (plan.created.length + plan.destroyed.length === 0) lines.push(`  group '${group}' already has ${wanted} machines`);
	lines.push('Executing scale plan');
	const {failed} = await waitForMachines(io, plan.created);
	for (const id of plan.created) lines.push(`  Created ${id} group:${group} region:fra size:shared-cpu-1x`);
	for (const id of plan.destroyed) lines.push(`  Destroyed ${id} group:${group} region:fra size:shared-cpu-1x`);
	if (failed.length > 0) return failedWith(failed.map(describeFailure).join('\n'), printLines(lines));
	return succeeded(printLines(lines));
};
