import {isoNow} from '../clock.js';
import {liveMachines, updateState, type FlyMachine} from '../fly-state.js';
import {FlyError, requireApp, type FlyAction} from './command.js';
import {printLines, succeeded} from './output.js';

// Fake `fly machine cordon|uncordon ID…` (superfly/flyctl internal/command/machine/cordon.go,
// uncordon.go): flips the flag the sandbox's proxy router reads to skip a machine.

const setCordoned =
	(cordoned: boolean): FlyAction =>
	(io, parsed, target) => {
		if (parsed.positionals.length === 0) throw new FlyError('machine ID must be provided when not running interactively');
		const lines = updateState(io.stateFile, (state) => {
			const app = requireApp(state, target.name);
			const machines = liveMachines(state, app.name);
			const missing = parsed.positionals.find((id) => !machines.some((machine) => machine.id === id));
			if (missing) throw new FlyError(`could not get machine ${missing}: failed to get VM ${missing}: machine not found`);
			return parsed.positionals.flatMap((id) => {
				const machine = machines.find((entry) => entry.id === id) as FlyMachine;
				machine.cordoned = cordoned;
				machine.updatedAt = isoNow();
				return [`${cordoned ? 'Activating' : 'Deactivating'} cordon on machine ${id}...`, 'done!'];
			});
		});
		return succeeded(printLines(lines));
	};

export const machineCordon = setCordoned(true);
export const machineUncordon = setCordoned(false);
