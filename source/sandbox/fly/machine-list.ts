import type {FlyView} from './command.js';
import {machineJson} from './machine-json.js';
import {pretty, table} from './output.js';

// Fake `fly machine list`: the app's machines from the sandbox state, as a table, ids (-q) or JSON.

export const machineList: FlyView = ({app, machines}, flags) => {
	if (flags.json === true) return pretty(machines.map(machineJson));
	if (flags.quiet === true) return `${machines.map((machine) => machine.id).join('\n')}\n`;
	const rows = machines.map((machine) => [machine.id, machine.name, machine.state, machine.region, machine.image, machine.processGroup, machine.cordoned ? 'cordoned' : '']);
	return `${machines.length} machines have been retrieved from app ${app.name}.\n${table(['ID', 'NAME', 'STATE', 'REGION', 'IMAGE', 'PROCESS GROUP', 'PROXY'], rows)}\n`;
};
