import {currentImage} from '../fly-state.js';
import type {FlyView} from './command.js';
import {machineJson} from './machine-json.js';
import {pretty, table} from './output.js';

// Fake `fly status`: the app and its machines as the sandbox state has them.

export const status: FlyView = ({state, app, machines}, flags) => {
	const latest = app.releases.at(-1);
	if (flags.json === true) {
		return pretty({
			ID: app.name,
			Name: app.name,
			Status: machines.some((machine) => machine.state === 'started') ? 'deployed' : 'pending',
			Deployed: machines.length > 0,
			Hostname: app.hostname,
			Version: latest?.version ?? 0,
			Organization: {Slug: state.org},
			PlatformVersion: 'machines',
			Machines: machines.map(machineJson),
		});
	}
	const rows = machines.map((machine) => [
		machine.processGroup,
		machine.id,
		String(machine.release),
		machine.region,
		machine.state,
		machine.check ? `${machine.check.status === 'passing' ? 1 : 0} total, ${machine.check.status}` : '',
		machine.updatedAt,
	]);
	return `App\n  Name     = ${app.name}\n  Owner    = ${state.org}\n  Hostname = ${app.hostname}\n  Image    = ${currentImage(app) ?? '-'}\n\nMachines\n${table(['PROCESS', 'ID', 'VERSION', 'REGION', 'STATE', 'CHECKS', 'LAST UPDATED'], rows)}\n`;
};
