import {currentImage} from '../fly-state.js';
import type {FlyView} from './command.js';
import {machineChecks, machineJson} from './machine-json.js';
import {pretty, sortedKeys, table} from './output.js';

// Fake `fly status`. With --json, the map superfly/flyctl internal/command/status/machines.go
// (renderMachineJSONStatus) prints: AppURL, Deployed, Hostname, ID, Machines, Name, Organization
// (fly-go OrganizationBasic, types.go), PlatformVersion, Status, Version (the current release), keys
// sorted as Go writes a map; Machines are fly-go Machines (see machine-json.ts), ids descending,
// `[]` when there are none.

/** "2 total, 1 passing, 1 critical", as flyctl's internal/render/checks.go MachineHealthChecksSummary. */
const checksSummary = (checks: ReadonlyArray<{status: string}>): string => {
	if (checks.length === 0) return '';
	const count = (status: string) => checks.filter((check) => check.status === status).length;
	const parts = [`${checks.length} total`];
	for (const status of ['passing', 'warning', 'critical']) if (count(status) > 0) parts.push(`${count(status)} ${status}`);
	return parts.join(', ');
};

export const status: FlyView = ({state, app, machines}, flags) => {
	const sorted = [...machines].sort((first, second) => (first.id < second.id ? 1 : first.id > second.id ? -1 : 0));
	const current = app.releases.filter((release) => release.status === 'complete').at(-1);
	if (flags.json === true) {
		return pretty(
			sortedKeys({
				ID: app.name,
				Name: app.name,
				Deployed: app.releases.some((release) => release.status === 'complete'),
				Status: machines.some((machine) => machine.state === 'started') ? 'deployed' : 'pending',
				Hostname: app.hostname,
				Version: current?.version ?? 0,
				AppURL: `https://${app.hostname}`,
				Organization: {ID: `org_${state.org}`, InternalNumericID: '1', Name: '', Slug: state.org, RawSlug: '', PaidPlan: true},
				PlatformVersion: 'machines',
				Machines: sorted.map((machine) => machineJson(state, machine)),
			}),
		);
	}
	const rows = sorted.map((machine) => [
		`${machine.processGroup}${(machine.hostStatus ?? 'ok') === 'ok' ? '' : '💀'}`,
		machine.id,
		String(machine.release),
		machine.region,
		machine.state,
		'',
		checksSummary(machineChecks(state, machine)),
		machine.updatedAt,
	]);
	return `App\n  Name     = ${app.name}\n  Owner    = ${state.org}\n  Hostname = ${app.hostname}\n  Image    = ${currentImage(app) ?? '-'}\n\nMachines\n${table(['PROCESS', 'ID', 'VERSION', 'REGION', 'STATE', 'ROLE', 'CHECKS', 'LAST UPDATED'], rows)}\n`;
};
