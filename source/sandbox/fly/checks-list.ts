import type {FlyView} from './command.js';
import {machineChecks} from './machine-json.js';
import {pretty, table} from './output.js';

// Fake `fly checks list`, as superfly/flyctl internal/command/checks/list.go prints it: with --json an
// object keyed by machine id (ids ascending), each holding that machine's checks as fly-go's
// MachineCheckStatus ({name, status, output, updated_at}, lowercase status), `[]` for a machine
// without checks; --check-name filters the table only.

export const checksList: FlyView = ({state, app, machines}, flags) => {
	const sorted = [...machines].sort((first, second) => (first.id < second.id ? -1 : first.id > second.id ? 1 : 0));
	if (flags.json === true) {
		return pretty(Object.fromEntries(sorted.map((machine) => [machine.id, machineChecks(state, machine)])));
	}
	const only = typeof flags['check-name'] === 'string' ? flags['check-name'] : undefined;
	const rows = sorted.flatMap((machine) =>
		machineChecks(state, machine)
			.filter((check) => only === undefined || check.name === only)
			.sort((first, second) => first.name.localeCompare(second.name))
			.map((check) => [check.name, check.status, machine.id, check.updated_at, check.output ?? '']),
	);
	return `Health Checks for ${app.name}\n${table(['NAME', 'STATUS', 'MACHINE', 'LAST UPDATED', 'OUTPUT'], rows)}\n`;
};
