import {createHash} from 'node:crypto';
import {isoNow} from '../clock.js';
import {currentImage, liveMachines, updateState} from '../fly-state.js';
import {deployedConfig} from './app-config.js';
import {FlyError, requireApp, type FlyAction} from './command.js';
import {failedWith, printLines, succeeded} from './output.js';
import {describeFailure, waitForMachines} from './wait-for-machines.js';

// Fake `fly secrets import` (superfly/flyctl internal/command/secrets/import.go): NAME=VALUE lines on
// stdin, read as flyctl's secrets/parser.go reads them; the sandbox keeps only a digest of each value.
// Then, as secrets.go SetSecretsAndDeploy: --stage (or an app never deployed) only stages them;
// otherwise a restart-only deploy with the app's deployed config and image records a release and
// updates the machines one after another.

/**
 * flyctl's parseSecrets, line by line as Go's bufio.Scanner splits them: a line starting with "#"
 * and a blank line are skipped; the key is trimmed, the value loses leading spaces; an unquoted "#"
 * (an even number of '"' before it) ends the value, and the spaces before it go; one pair of
 * surrounding "…" or '…' is stripped; """…""" on one line is the text between; a value opening with
 * """ goes on over the following lines up to the line that ends with """, joined by newlines (never
 * closed: the key is dropped). Later keys win.
 */
export const parseSecrets = (input: string): Map<string, string> => {
	const secrets = new Map<string, string>();
	const lines = input.split('\n');
	if (lines.at(-1) === '') lines.pop();
	let multiline: {key: string; value: string} | undefined;
	for (const raw of lines) {
		const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
		if (multiline) {
			if (line.endsWith('"""')) {
				secrets.set(multiline.key, multiline.value + line.slice(0, -3));
				multiline = undefined;
			} else {
				multiline.value += `${line}\n`;
			}
			continue;
		}
		if (line.startsWith('#') || line.trim() === '') continue;
		const equals = line.indexOf('=');
		// flyctl quotes the whole line, secret or not: the runbook's step must be `secret` for that.
		if (equals === -1) throw new FlyError(`Failed to parse secrets from stdin: Secrets must be provided as NAME=VALUE pairs (${line} is invalid)`);
		const key = line.slice(0, equals).trim();
		let value = line.slice(equals + 1).replace(/^ +/, '');
		const hash = value.indexOf('#');
		if (hash !== -1) {
			const before = value.slice(0, hash);
			if ((before.match(/"/g)?.length ?? 0) % 2 === 0) value = before.replace(/ +$/, '');
		}
		if (value.startsWith('"""') && value.endsWith('"""') && value.length >= 6) {
			secrets.set(key, value.slice(3, -3));
		} else if (value.startsWith('"""')) {
			multiline = {key, value: `${value.slice(3)}\n`};
		} else {
			const quoted = (value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"));
			secrets.set(key, quoted && value.length >= 2 ? value.slice(1, -1) : value);
		}
	}
	return secrets;
};

const digest = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 16);

export const secretsImport: FlyAction = async (io, parsed, target) => {
	const secrets = parseSecrets(await io.readStdin());
	if (secrets.size === 0) throw new FlyError('requires at least one SECRET=VALUE pair');
	const stage = parsed.flags.stage === true;
	const plan = updateState(io.stateFile, (state) => {
		const app = requireApp(state, target.name);
		const machines = liveMachines(state, app.name);
		const deployed = app.releases.some((release) => release.status === 'complete');
		const staged = stage || (!deployed && machines.length === 0);
		for (const [name, value] of secrets) app.secrets[name] = {digest: digest(value), createdAt: isoNow(), ...(staged ? {staged: true} : {})};
		if (staged) return {app: app.name, staged: true as const, firstDeploy: !stage};
		const image = currentImage(app) ?? machines[0]?.image ?? '';
		const version = (app.releases.at(-1)?.version ?? 0) + 1;
		app.releases.push({
			version,
			status: 'running',
			description: 'Update secrets',
			imageRef: image,
			strategy: 'ROLLING',
			user: 'operator@lokaltreu.de',
			createdAt: isoNow(),
			config: deployedConfig(app, machines),
		});
		for (const secret of Object.values(app.secrets)) delete secret.staged;
		return {app: app.name, staged: false as const, version, ids: machines.map((machine) => machine.id), groups: machines.map((machine) => machine.processGroup)};
	});
	if (plan.staged) {
		return succeeded(
			plan.firstDeploy
				? 'Secrets are staged for the first deployment\n'
				: 'Secrets have been staged, but not set on VMs. Deploy or update machines in this app for the secrets to take effect.\n',
		);
	}
	const lines = [`Updating existing machines in '${plan.app}' with rolling strategy`];
	if (parsed.flags.detach === true) return succeeded(printLines(lines));
	// Rolling: one machine at a time, so the app keeps answering while its machines restart.
	for (const [index, id] of plan.ids.entries()) {
		updateState(io.stateFile, (state) => {
			const machine = state.machines.find((entry) => entry.id === id);
			if (!machine) return;
			machine.release = plan.version;
			machine.state = 'starting';
			delete machine.check;
			delete machine.passedOnce;
			machine.updatedAt = isoNow();
		});
		const {failed} = await waitForMachines(io, [id]);
		if (failed.length > 0) {
			updateState(io.stateFile, (state) => {
				const release = state.apps[plan.app]?.releases.find((entry) => entry.version === plan.version);
				if (release) release.status = 'failed';
			});
			return failedWith(failed.map(describeFailure).join('\n'), printLines(lines));
		}
		lines.push(`  [${index + 1}/${plan.ids.length}] Machine ${id} [${plan.groups[index]}] update succeeded`);
	}
	updateState(io.stateFile, (state) => {
		const release = state.apps[plan.app]?.releases.find((entry) => entry.version === plan.version);
		if (release) release.status = 'complete';
	});
	lines.push(`Finished updating ${plan.ids.length} machines`);
	return succeeded(printLines(lines));
};
