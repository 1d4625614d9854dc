import type {FlyView} from './command.js';
import {CHECK_NAME} from './machine-json.js';
import {pretty, table} from './output.js';

// Fake `fly checks list`: the health-check verdicts the sandbox's supervisor wrote into the state.

export const checksList: FlyView = ({app, machines}, flags) => {
	const rows = machines
		.filter((machine) => machine.check)
		.map((machine) => ({
			Name: CHECK_NAME,
			Status: machine.check?.status ?? 'warning',
			MachineID: machine.id,
			LastUpdated: machine.check?.updatedAt ?? '',
			Output: machine.check?.output ?? '',
		}));
	if (flags.json === true) return pretty(rows);
	return `Health Checks for ${app.name}\n${table(['NAME', 'STATUS', 'MACHINE', 'LAST UPDATED', 'OUTPUT'], rows.map((row) => [row.Name, row.Status, row.MachineID, row.LastUpdated, row.Output]))}\n`;
};
