import {createHash} from 'node:crypto';
import {isoNow} from '../clock.js';
import {liveMachines, updateState} from '../fly-state.js';
import {FlyError, requireApp, type FlyAction} from './command.js';
import {printLines, succeeded} from './output.js';

// Fake `fly secrets import`: NAME=VALUE lines from stdin; the sandbox state keeps only a digest of each value.

export const secretsImport: FlyAction = async (io, parsed) => {
	const input = await io.readStdin();
	const pairs: Array<[string, string]> = [];
	for (const [number, raw] of input.split(/\r?\n/).entries()) {
		const line = raw.trim();
		if (line === '' || line.startsWith('#')) continue;
		const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(line);
		// The value is never echoed: only the line number says which one is wrong.
		if (!match) throw new FlyError(`Secrets must be provided as NAME=VALUE pairs (line ${number + 1} is not)`);
		pairs.push([match[1] as string, (match[2] as string).replace(/^"(.*)"$/s, '$1')]);
	}
	if (pairs.length === 0) throw new FlyError('requires at least one SECRET=VALUE pair');
	const machines = updateState(io.stateFile, (state) => {
		const target = requireApp(state, parsed.flags);
		for (const [name, value] of pairs) {
			target.secrets[name] = {digest: createHash('sha256').update(value).digest('hex').slice(0, 16), createdAt: isoNow()};
		}
		return liveMachines(state, target.name).filter((machine) => machine.state === 'started');
	});
	if (parsed.flags.stage === true || machines.length === 0) {
		return succeeded('Secrets have been staged, but not set on VMs. Deploy or update machines in this app for the secrets to take effect.\n');
	}
	const lines = [`Updating existing machines in '${parsed.flags.app}' with rolling strategy`];
	for (const [index, machine] of machines.entries()) lines.push(`  [${index + 1}/${machines.length}] Machine ${machine.id} [${machine.processGroup}] update succeeded`);
	lines.push(`Finished updating ${machines.length} machines (secrets: ${pairs.map(([name]) => name).join(', ')})`);
	return succeeded(printLines(lines));
};
