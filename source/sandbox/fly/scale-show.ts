import type {FlyView} from './command.js';
import {pretty, table} from './output.js';

// Fake `fly scale show`, as superfly/flyctl internal/command/scale/show_machines.go prints it: per
// process group (sorted) Process, Count, CPUKind, CPUs, Memory, Regions (region → count); machines
// whose host did not answer (no full config) are left out, as flyctl skips a machine without Config.

export const scaleShow: FlyView = ({app, machines}, flags) => {
	const byGroup = new Map<string, Map<string, number>>();
	for (const machine of machines.filter((entry) => (entry.hostStatus ?? 'ok') === 'ok')) {
		const regions = byGroup.get(machine.processGroup) ?? new Map<string, number>();
		regions.set(machine.region, (regions.get(machine.region) ?? 0) + 1);
		byGroup.set(machine.processGroup, regions);
	}
	const rows = [...byGroup]
		.sort(([first], [second]) => (first < second ? -1 : 1))
		.map(([group, regions]) => ({
			Process: group,
			Count: [...regions.values()].reduce((sum, count) => sum + count, 0),
			CPUKind: 'shared',
			CPUs: 1,
			Memory: 512,
			Regions: Object.fromEntries(regions),
		}));
	if (flags.json === true) return pretty(rows);
	const regionsText = (regions: Record<string, number>) =>
		Object.entries(regions)
			.map(([region, count]) => (count > 1 ? `${region}(${count})` : region))
			.sort()
			.join(',');
	return `VM Resources for app: ${app.name}\n\nGroups\n${table(['NAME', 'COUNT', 'KIND', 'CPUS', 'MEMORY', 'REGIONS'], rows.map((row) => [row.Process, String(row.Count), row.CPUKind, String(row.CPUs), `${row.Memory} MB`, regionsText(row.Regions)]))}\n`;
};
