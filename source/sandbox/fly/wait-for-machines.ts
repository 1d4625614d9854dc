import {readState, supervisorAlive, type FlyMachine} from '../fly-state.js';
import {hasChecks} from './app-config.js';
import {FlyError, type FlyIo} from './command.js';

// The fake fly waits here while the sandbox's supervisor starts its machines; it only watches the state file.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the supervisor has started (or seen crash) every machine. As flyctl does, a machine
 * whose config has health checks must pass them once; one without checks only has to start.
 */
export const waitForMachines = async (io: FlyIo, ids: string[]): Promise<{started: FlyMachine[]; failed: FlyMachine[]}> => {
	const deadline = Date.now() + (io.waitTimeoutMs ?? 60_000);
	// A machine seen healthy once has passed; a later flap is for the checks to report, not the deploy.
	const healthy = new Map<string, FlyMachine>();
	while (true) {
		const state = readState(io.stateFile);
		const machines = state.machines.filter((machine) => ids.includes(machine.id));
		for (const machine of machines) {
			if (machine.state === 'started' && (machine.passedOnce === true || !hasChecks(state, machine))) healthy.set(machine.id, machine);
		}
		const failed = machines.filter(
			(machine) => !healthy.has(machine.id) && (machine.state === 'stopped' || (machine.state === 'started' && machine.check?.status === 'critical')),
		);
		if (failed.length > 0 || healthy.size === machines.length) return {started: [...healthy.values()], failed};
		if (!supervisorAlive(io.stateFile)) throw new FlyError('the rehearsal sandbox is not running (its supervisor stopped); start greenlight rehearse again');
		if (Date.now() > deadline) {
			throw new FlyError(`timeout reached waiting for machines ${ids.join(', ')} to be started and pass health checks`);
		}
		await sleep(100);
	}
};

export const describeFailure = (machine: FlyMachine): string =>
	machine.state === 'stopped'
		? `failed to update machine ${machine.id}: machine did not reach started state: ${machine.exit ?? 'the process exited'}`
		: `failed to update machine ${machine.id}: health checks are ${machine.check?.status}: ${machine.check?.output ?? ''}`;
