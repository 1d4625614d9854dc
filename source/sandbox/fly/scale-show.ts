import type {FlyView} from './command.js';
import {pretty, table} from './output.js';

// Fake `fly scale show`: machine counts per process group from the sandbox state.

export const scaleShow: FlyView = ({app, machines}, flags) => {
	const byGroup = new Map<string, number>();
	for (const machine of machines) byGroup.set(machine.processGroup, (byGroup.get(machine.processGroup) ?? 0) + 1);
	const rows = [...byGroup].map(([group, count]) => ({Process: group, Count: count, CPUKind: 'shared', CPUs: 1, Memory: 512, Regions: {fra: count}}));
	if (flags.json === true) return pretty(rows);
	return `VM Resources for app: ${app.name}\n\nGroups\n${table(['NAME', 'COUNT', 'KIND', 'CPUS', 'MEMORY', 'REGIONS'], rows.map((row) => [row.Process, String(row.Count), 'shared', '1', '512 MB', `fra(${row.Count})`]))}\n`;
};
