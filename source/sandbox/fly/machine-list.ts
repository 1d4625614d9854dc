import type {FlyView} from './command.js';
import {machineJson} from './machine-json.js';
import {pretty, table} from './output.js';

// Fake `fly machine list`, as superfly/flyctl internal/command/machine/list.go prints it: with --json
// the app's machines as fly-go Machines (machine-json.ts), `[]` when none; -q only their ids.

export const machineList: FlyView = ({state, app, machines}, flags) => {
	if (flags.json === true) return pretty(machines.map((machine) => machineJson(state, machine)));
	if (flags.quiet === true) return machines.length === 0 ? '' : `${machines.map((machine) => machine.id).join('\n')}\n`;
	if (machines.length === 0) return `No machines are available on this app ${app.name}\n`;
	const rows = machines.map((machine) => [
		`${machine.id}${(machine.hostStatus ?? 'ok') === 'ok' ? '' : '*'}`,
		machine.name,
		machine.state,
		machine.region,
		machine.image,
		machine.processGroup,
		machine.cordoned ? 'cordoned' : '',
	]);
	return `${machines.length} machines have been retrieved from app ${app.name}.\nView them in the UI here (https://fly.io/apps/${app.name}/machines/)\n\n${table(['ID', 'NAME', 'STATE', 'REGION', 'IMAGE', 'PROCESS GROUP', 'PROXY'], rows)}\n`;
};
