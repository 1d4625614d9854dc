import {createHash} from 'node:crypto';
import {
	currentImage,
	liveMachines,
	machineName,
	newMachineId,
	readState,
	supervisorAlive,
	updateState,
	type FlyApp,
	type FlyMachine,
	type FlyState,
} from './fly-state.js';

// The flyctl commands the runbook uses, with flyctl's argument shapes, output shapes and errors.

export type FlyResult = {exitCode: number; stdout: string; stderr: string};
export type FlyIo = {stateFile: string; readStdin: () => Promise<string>; waitTimeoutMs?: number};

type FlagSpec = {type: 'string' | 'boolean'; short?: string};
type CommandSpec = {flags: Record<string, FlagSpec>; args: 'none' | 'one' | 'many'};

const globalFlags: Record<string, FlagSpec> = {
	'access-token': {type: 'string', short: 't'},
	verbose: {type: 'boolean'},
	debug: {type: 'boolean'},
	help: {type: 'boolean', short: 'h'},
};
const app: Record<string, FlagSpec> = {app: {type: 'string', short: 'a'}, config: {type: 'string', short: 'c'}};
const json: Record<string, FlagSpec> = {json: {type: 'boolean', short: 'j'}};

const commands: Record<string, CommandSpec> = {
	status: {flags: {...app, ...json, all: {type: 'boolean'}}, args: 'none'},
	'machine list': {flags: {...app, ...json, quiet: {type: 'boolean', short: 'q'}}, args: 'none'},
	'machine cordon': {flags: {...app}, args: 'many'},
	'machine uncordon': {flags: {...app}, args: 'many'},
	deploy: {
		flags: {
			...app,
			image: {type: 'string', short: 'i'},
			strategy: {type: 'string'},
			detach: {type: 'boolean'},
			yes: {type: 'boolean', short: 'y'},
			'wait-timeout': {type: 'string'},
			ha: {type: 'boolean'},
			'remote-only': {type: 'boolean'},
		},
		args: 'none',
	},
	releases: {flags: {...app, ...json, image: {type: 'boolean'}}, args: 'none'},
	'scale count': {
		flags: {...app, yes: {type: 'boolean', short: 'y'}, 'process-group': {type: 'string'}, region: {type: 'string', short: 'r'}},
		args: 'one',
	},
	'scale show': {flags: {...app, ...json}, args: 'none'},
	'secrets import': {flags: {...app, stage: {type: 'boolean'}, detach: {type: 'boolean'}}, args: 'none'},
	'secrets list': {flags: {...app, ...json}, args: 'none'},
	'checks list': {flags: {...app, ...json, 'check-name': {type: 'string'}}, args: 'none'},
	version: {flags: {...json}, args: 'none'},
};

const aliases: Record<string, string> = {machines: 'machine', m: 'machine', ls: 'list', secret: 'secrets'};
const groups = new Set(['machine', 'scale', 'secrets', 'checks']);

export type ParsedFly = {command: string; positionals: string[]; flags: Record<string, string | boolean>};

const usageError = (message: string): {ok: false; message: string} => ({ok: false, message});

/** Parses argv as flyctl's cobra commands do; unknown commands and flags are errors, worded like flyctl's. */
export const parseFly = (argv: readonly string[]): {ok: true; parsed: ParsedFly} | {ok: false; message: string} => {
	const words: string[] = [];
	let index = 0;
	for (; index < argv.length; index += 1) {
		const word = argv[index] as string;
		if (word.startsWith('-')) break;
		const name = aliases[word] ?? word;
		words.push(name);
		if (words.length === 1 && groups.has(name)) continue;
		index += 1;
		break;
	}
	if (words.length === 0) return usageError('unknown command "" for "fly"');
	const command = words.join(' ');
	const spec = commands[command];
	if (!spec) {
		const parent = words.length > 1 ? `fly ${words[0]}` : 'fly';
		const unknown = words.at(-1) as string;
		return usageError(`unknown command "${unknown}" for "${parent}"`);
	}
	const flags: Record<string, string | boolean> = {};
	const positionals: string[] = [];
	const known = {...globalFlags, ...spec.flags};
	const byShort = new Map(Object.entries(known).flatMap(([name, flag]) => (flag.short ? [[flag.short, name] as const] : [])));
	for (; index < argv.length; index += 1) {
		const word = argv[index] as string;
		if (word === '--') {
			positionals.push(...argv.slice(index + 1));
			break;
		}
		if (!word.startsWith('-') || word === '-') {
			positionals.push(word);
			continue;
		}
		const long = word.startsWith('--');
		const [rawName, inline] = word.slice(long ? 2 : 1).split(/=(.*)/s, 2) as [string, string | undefined];
		const name = long ? rawName : byShort.get(rawName);
		const flag = name ? known[name] : undefined;
		if (!name || !flag) return usageError(long ? `unknown flag: --${rawName}` : `unknown shorthand flag: '${rawName}' in ${word}`);
		if (flag.type === 'boolean') {
			flags[name] = inline === undefined ? true : inline !== 'false';
			continue;
		}
		const value = inline ?? argv[index + 1];
		if (value === undefined) return usageError(`flag needs an argument: --${name}`);
		if (inline === undefined) index += 1;
		flags[name] = value;
	}
	if (spec.args === 'none' && positionals.length > 0) return usageError(`unknown command "${positionals[0]}" for "fly ${command}"`);
	if (spec.args === 'one' && positionals.length !== 1) return usageError(`accepts 1 arg(s), received ${positionals.length}`);
	return {ok: true, parsed: {command, positionals, flags}};
};

class FlyError extends Error {}

const requireApp = (state: FlyState, flags: ParsedFly['flags']): FlyApp => {
	const name = flags.app;
	if (typeof name !== 'string' || name === '') {
		throw new FlyError('the config for your app is missing an app name, add an app field to the fly.toml file or specify with the -a flag');
	}
	const found = state.apps[name];
	if (!found) throw new FlyError(`failed to get app: Could not find App "${name}"`);
	return found;
};

const isoNow = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

const imageRef = (image: string) => {
	const [repositoryPart, tag = 'latest'] = image.split(/:(?=[^/]*$)/);
	const [registry, ...rest] = (repositoryPart ?? image).split('/');
	return {
		registry: rest.length > 0 ? registry : 'docker.io',
		repository: rest.length > 0 ? rest.join('/') : registry,
		tag,
		digest: `sha256:${createHash('sha256').update(image).digest('hex')}`,
		labels: {},
	};
};

const checkName = 'servicecheck-00-http-8080';

/** A machine as `fly machine list --json` prints it (fly-go's Machine). */
export const machineJson = (machine: FlyMachine) => ({
	id: machine.id,
	name: machine.name,
	state: machine.state,
	region: machine.region,
	image_ref: imageRef(machine.image),
	instance_id: `01H${createHash('sha1').update(`${machine.id}${machine.updatedAt}`).digest('hex').slice(0, 23).toUpperCase()}`,
	private_ip: `fdaa:9:1f2e:a7b:${machine.id.slice(0, 4)}:${machine.id.slice(4, 8)}:${machine.id.slice(8, 12)}:2`,
	created_at: machine.createdAt,
	updated_at: machine.updatedAt,
	config: {
		image: machine.image,
		metadata: {
			fly_platform_version: 'v2',
			fly_process_group: machine.processGroup,
			fly_release_version: String(machine.release),
		},
		guest: {cpu_kind: 'shared', cpus: 1, memory_mb: 512},
		services: [{protocol: 'tcp', internal_port: 8080, ports: [{port: 443, handlers: ['tls', 'http']}]}],
		checks: {'http-8080': {type: 'http', port: 8080, path: '/health', interval: '15s', timeout: '2s'}},
	},
	checks: machine.check
		? [{name: checkName, status: machine.check.status, output: machine.check.output, updated_at: machine.check.updatedAt}]
		: [],
	host_status: 'ok',
});

const table = (headers: string[], rows: string[][]): string => {
	const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
	const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('\t').trimEnd();
	return [line(headers), ...rows.map(line)].join('\n');
};

const pretty = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the supervisor has started (or seen crash) every machine; flyctl waits for health checks the same way. */
const waitForMachines = async (io: FlyIo, ids: string[]): Promise<{started: FlyMachine[]; failed: FlyMachine[]}> => {
	const deadline = Date.now() + (io.waitTimeoutMs ?? 60_000);
	// A machine seen healthy once has passed; a later flap is for the checks to report, not the deploy.
	const healthy = new Map<string, FlyMachine>();
	while (true) {
		const machines = readState(io.stateFile).machines.filter((machine) => ids.includes(machine.id));
		for (const machine of machines) {
			if (machine.state === 'started' && machine.passedOnce === true) healthy.set(machine.id, machine);
		}
		const failed = machines.filter(
			(machine) => !healthy.has(machine.id) && (machine.state === 'stopped' || (machine.state === 'started' && machine.check?.status === 'critical')),
		);
		if (failed.length > 0 || healthy.size === machines.length) return {started: [...healthy.values()], failed};
		if (!supervisorAlive(io.stateFile)) throw new FlyError('the rehearsal sandbox is not running (its supervisor stopped); start greenlight rehearse again');
		if (Date.now() > deadline) {
			throw new FlyError(`timeout reached waiting for machines ${ids.join(', ')} to be started and pass health checks`);
		}
		await sleep(100);
	}
};

const describeFailure = (machine: FlyMachine): string =>
	machine.state === 'stopped'
		? `failed to update machine ${machine.id}: machine did not reach started state: ${machine.exit ?? 'the process exited'}`
		: `failed to update machine ${machine.id}: health check ${checkName} is ${machine.check?.status}: ${machine.check?.output ?? ''}`;

const deploy = async (io: FlyIo, parsed: ParsedFly): Promise<FlyResult> => {
	const image = parsed.flags.image;
	if (typeof image !== 'string' || image === '') {
		throw new FlyError('the rehearsal has no builder: deploy a prebuilt image with --image <ref>');
	}
	const strategy = typeof parsed.flags.strategy === 'string' ? parsed.flags.strategy : 'rolling';
	if (!['canary', 'rolling', 'immediate', 'bluegreen'].includes(strategy)) {
		throw new FlyError(`unsupported deployment strategy '${strategy}'. Valid values are: canary, rolling, immediate, bluegreen`);
	}
	const {appName, version, ids, created} = updateState(io.stateFile, (state) => {
		const target = requireApp(state, parsed.flags);
		const version = (target.releases.at(-1)?.version ?? 0) + 1;
		target.releases.push({
			version,
			status: 'running',
			description: `Deploy image ${image}`,
			imageRef: image,
			strategy: strategy.toUpperCase(),
			user: 'operator@lokaltreu.de',
			createdAt: isoNow(),
		});
		const now = isoNow();
		let machines = liveMachines(state, target.name);
		let created = 0;
		if (machines.length === 0) {
			// A first deploy creates two machines for high availability, as flyctl does.
			for (let count = 0; count < 2; count += 1) {
				const id = newMachineId(state);
				state.machines.push({
					id,
					name: machineName(state.nextId),
					app: target.name,
					processGroup: 'app',
					image,
					release: version,
					state: 'created',
					region: 'fra',
					cordoned: false,
					createdAt: now,
					updatedAt: now,
				});
				created += 1;
			}
			machines = liveMachines(state, target.name);
		}
		const changed: string[] = [];
		for (const machine of machines) {
			machine.release = version;
			if (machine.image === image && machine.state === 'started') continue;
			machine.image = image;
			machine.state = 'starting';
			delete machine.check;
			delete machine.exit;
			delete machine.passedOnce;
			machine.updatedAt = now;
			changed.push(machine.id);
		}
		return {appName: target.name, version, ids: changed, created};
	});
	const lines = [
		'==> Verifying app config',
		'--> Verified app config',
		`==> Building image`,
		`Searching for image '${image}' remotely...`,
		`image found: img_${createHash('sha1').update(image).digest('hex').slice(0, 14)}`,
		'',
		`Watch your deployment at https://fly.io/apps/${appName}/monitoring`,
		'',
		created > 0
			? `Creating ${created} machines for app ${appName} (high availability)`
			: `Updating existing machines in '${appName}' with ${strategy} strategy`,
	];
	if (parsed.flags.detach === true) {
		return {exitCode: 0, stdout: `${lines.join('\n')}\n`, stderr: ''};
	}
	const {started, failed} = await waitForMachines(io, ids);
	updateState(io.stateFile, (state) => {
		const release = state.apps[appName]?.releases.find((entry) => entry.version === version);
		if (release) release.status = failed.length > 0 ? 'failed' : 'complete';
	});
	for (const machine of started) lines.push(`  Machine ${machine.id} [app] update finished: success`);
	if (ids.length === 0) lines.push('  No machines needed an update: they already run this image');
	if (failed.length > 0) {
		return {exitCode: 1, stdout: `${lines.join('\n')}\n`, stderr: `Error: ${failed.map(describeFailure).join('\n')}\n`};
	}
	lines.push('', `Visit your newly deployed app at https://${appName}.fly.dev/`);
	return {exitCode: 0, stdout: `${lines.join('\n')}\n`, stderr: ''};
};

const scaleCount = async (io: FlyIo, parsed: ParsedFly): Promise<FlyResult> => {
	const wanted = Number(parsed.positionals[0]);
	if (!Number.isInteger(wanted) || wanted < 0) throw new FlyError(`invalid count: ${parsed.positionals[0] ?? ''}`);
	if (parsed.flags.yes !== true) throw new FlyError('yes flag must be specified when not running interactively');
	const group = typeof parsed.flags['process-group'] === 'string' ? parsed.flags['process-group'] : 'app';
	const plan = updateState(io.stateFile, (state) => {
		const target = requireApp(state, parsed.flags);
		const image = currentImage(target);
		const machines = liveMachines(state, target.name).filter((machine) => machine.processGroup === group);
		const now = isoNow();
		const created: string[] = [];
		const destroyed: string[] = [];
		if (machines.length < wanted && !image) throw new FlyError(`app ${target.name} has no release to scale: deploy it first`);
		for (let count = machines.length; count < wanted; count += 1) {
			const id = newMachineId(state);
			state.machines.push({
				id,
				name: machineName(state.nextId),
				app: target.name,
				processGroup: group,
				image: image as string,
				release: target.releases.at(-1)?.version ?? 1,
				state: 'starting',
				region: 'fra',
				cordoned: false,
				createdAt: now,
				updatedAt: now,
			});
			created.push(id);
		}
		for (const machine of machines.slice(wanted)) {
			machine.state = 'destroyed';
			machine.updatedAt = now;
			destroyed.push(machine.id);
		}
		return {app: target.name, created, destroyed};
	});
	const lines = [`App '${plan.app}' is going to be scaled according to this plan:`];
	if (plan.created.length > 0) lines.push(`  +${plan.created.length} machines for group '${group}' on region 'fra' of size 'shared-cpu-1x'`);
	if (plan.destroyed.length > 0) lines.push(`  -${plan.destroyed.length} machines for group '${group}' on region 'fra' of size 'shared-cpu-1x'`);
	if (plan.created.length + plan.destroyed.length === 0) lines.push(`  group '${group}' already has ${wanted} machines`);
	lines.push('Executing scale plan');
	const {failed} = await waitForMachines(io, plan.created);
	for (const id of plan.created) lines.push(`  Created ${id} group:${group} region:fra size:shared-cpu-1x`);
	for (const id of plan.destroyed) lines.push(`  Destroyed ${id} group:${group} region:fra size:shared-cpu-1x`);
	if (failed.length > 0) return {exitCode: 1, stdout: `${lines.join('\n')}\n`, stderr: `Error: ${failed.map(describeFailure).join('\n')}\n`};
	return {exitCode: 0, stdout: `${lines.join('\n')}\n`, stderr: ''};
};

const cordon = (io: FlyIo, parsed: ParsedFly, cordoned: boolean): FlyResult => {
	if (parsed.positionals.length === 0) throw new FlyError('machine ID must be provided when not running interactively');
	const verb = cordoned ? 'cordoned' : 'uncordoned';
	const lines = updateState(io.stateFile, (state) => {
		const target = requireApp(state, parsed.flags);
		const machines = liveMachines(state, target.name);
		const missing = parsed.positionals.find((id) => !machines.some((machine) => machine.id === id));
		if (missing) throw new FlyError(`could not get machine ${missing}: failed to get VM ${missing}: machine not found`);
		return parsed.positionals.map((id) => {
			const machine = machines.find((entry) => entry.id === id) as FlyMachine;
			machine.cordoned = cordoned;
			machine.updatedAt = isoNow();
			return `Machine ${id} ${verb}`;
		});
	});
	return {exitCode: 0, stdout: `${lines.join('\n')}\n`, stderr: ''};
};

const secretsImport = async (io: FlyIo, parsed: ParsedFly): Promise<FlyResult> => {
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
		return {
			exitCode: 0,
			stdout: 'Secrets have been staged, but not set on VMs. Deploy or update machines in this app for the secrets to take effect.\n',
			stderr: '',
		};
	}
	const lines = [`Updating existing machines in '${parsed.flags.app}' with rolling strategy`];
	for (const [index, machine] of machines.entries()) lines.push(`  [${index + 1}/${machines.length}] Machine ${machine.id} [${machine.processGroup}] update succeeded`);
	lines.push(`Finished updating ${machines.length} machines (secrets: ${pairs.map(([name]) => name).join(', ')})`);
	return {exitCode: 0, stdout: `${lines.join('\n')}\n`, stderr: ''};
};

const readOnly = (io: FlyIo, parsed: ParsedFly): FlyResult => {
	const state = readState(io.stateFile);
	const asJson = parsed.flags.json === true;
	const ok = (stdout: string): FlyResult => ({exitCode: 0, stdout, stderr: ''});
	if (parsed.command === 'version') {
		return ok(asJson ? pretty({Version: '0.3.0', Commit: 'rehearsal', BuildDate: '2025-01-01T00:00:00Z'}) : 'fly v0.3.0 (greenlight rehearsal stand-in)\n');
	}
	const target = requireApp(state, parsed.flags);
	const machines = liveMachines(state, target.name);
	switch (parsed.command) {
		case 'status': {
			const latest = target.releases.at(-1);
			if (asJson) {
				return ok(
					pretty({
						ID: target.name,
						Name: target.name,
						Status: machines.some((machine) => machine.state === 'started') ? 'deployed' : 'pending',
						Deployed: machines.length > 0,
						Hostname: target.hostname,
						Version: latest?.version ?? 0,
						Organization: {Slug: state.org},
						PlatformVersion: 'machines',
						Machines: machines.map(machineJson),
					}),
				);
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
			return ok(
				`App\n  Name     = ${target.name}\n  Owner    = ${state.org}\n  Hostname = ${target.hostname}\n  Image    = ${currentImage(target) ?? '-'}\n\nMachines\n${table(['PROCESS', 'ID', 'VERSION', 'REGION', 'STATE', 'CHECKS', 'LAST UPDATED'], rows)}\n`,
			);
		}
		case 'machine list': {
			if (asJson) return ok(pretty(machines.map(machineJson)));
			if (parsed.flags.quiet === true) return ok(`${machines.map((machine) => machine.id).join('\n')}\n`);
			const rows = machines.map((machine) => [machine.id, machine.name, machine.state, machine.region, machine.image, machine.processGroup, machine.cordoned ? 'cordoned' : '']);
			return ok(`${machines.length} machines have been retrieved from app ${target.name}.\n${table(['ID', 'NAME', 'STATE', 'REGION', 'IMAGE', 'PROCESS GROUP', 'PROXY'], rows)}\n`);
		}
		case 'releases': {
			const releases = [...target.releases].sort((first, second) => second.version - first.version);
			if (asJson) {
				return ok(
					pretty(
						releases.map((release) => ({
							ID: `rel_${target.id}_${release.version}`,
							Version: release.version,
							Stable: release.status === 'complete',
							InProgress: release.status === 'running',
							Reason: 'deploy',
							Description: release.description,
							Status: release.status,
							DeploymentStrategy: release.strategy,
							User: {Email: release.user},
							CreatedAt: release.createdAt,
							ImageRef: release.imageRef,
						})),
					),
				);
			}
			const headers = ['VERSION', 'STATUS', 'DESCRIPTION', 'USER', 'DATE', ...(parsed.flags.image === true ? ['DOCKER IMAGE'] : [])];
			const rows = releases.map((release) => [
				`v${release.version}`,
				release.status,
				release.description,
				release.user,
				release.createdAt,
				...(parsed.flags.image === true ? [release.imageRef] : []),
			]);
			return ok(`${table(headers, rows)}\n`);
		}
		case 'scale show': {
			const byGroup = new Map<string, number>();
			for (const machine of machines) byGroup.set(machine.processGroup, (byGroup.get(machine.processGroup) ?? 0) + 1);
			const rows = [...byGroup].map(([group, count]) => ({Process: group, Count: count, CPUKind: 'shared', CPUs: 1, Memory: 512, Regions: {fra: count}}));
			if (asJson) return ok(pretty(rows));
			return ok(`VM Resources for app: ${target.name}\n\nGroups\n${table(['NAME', 'COUNT', 'KIND', 'CPUS', 'MEMORY', 'REGIONS'], rows.map((row) => [row.Process, String(row.Count), 'shared', '1', '512 MB', `fra(${row.Count})`]))}\n`);
		}
		case 'secrets list': {
			const rows = Object.entries(target.secrets).map(([name, secret]) => ({Name: name, Digest: secret.digest, CreatedAt: secret.createdAt}));
			if (asJson) return ok(pretty(rows));
			return ok(`${table(['NAME', 'DIGEST', 'CREATED AT'], rows.map((row) => [row.Name, row.Digest, row.CreatedAt]))}\n`);
		}
		case 'checks list': {
			const rows = machines
				.filter((machine) => machine.check)
				.map((machine) => ({
					Name: checkName,
					Status: machine.check?.status ?? 'warning',
					MachineID: machine.id,
					LastUpdated: machine.check?.updatedAt ?? '',
					Output: machine.check?.output ?? '',
				}));
			if (asJson) return ok(pretty(rows));
			return ok(`Health Checks for ${target.name}\n${table(['NAME', 'STATUS', 'MACHINE', 'LAST UPDATED', 'OUTPUT'], rows.map((row) => [row.Name, row.Status, row.MachineID, row.LastUpdated, row.Output]))}\n`);
		}
		default:
			throw new FlyError(`unknown command "${parsed.command}" for "fly"`);
	}
};

const helpText = `This is the rehearsal stand-in for flyctl. It answers:
  fly status, fly machine list|cordon|uncordon, fly deploy --image, fly releases,
  fly scale count|show, fly secrets import|list, fly checks list, fly version
`;

/** Runs one fly invocation against the sandbox's state file. */
export const runFly = async (argv: readonly string[], io: FlyIo): Promise<FlyResult> => {
	const parsed = parseFly(argv);
	if (!parsed.ok) {
		const hint = parsed.message.startsWith('unknown command') ? "\nRun 'fly --help' for usage." : '';
		return {exitCode: 1, stdout: '', stderr: `Error: ${parsed.message}${hint}\n`};
	}
	if (parsed.parsed.flags.help === true) return {exitCode: 0, stdout: helpText, stderr: ''};
	try {
		switch (parsed.parsed.command) {
			case 'deploy':
				return await deploy(io, parsed.parsed);
			case 'scale count':
				return await scaleCount(io, parsed.parsed);
			case 'machine cordon':
				return cordon(io, parsed.parsed, true);
			case 'machine uncordon':
				return cordon(io, parsed.parsed, false);
			case 'secrets import':
				return await secretsImport(io, parsed.parsed);
			default:
				return readOnly(io, parsed.parsed);
		}
	} catch (error) {
		if (error instanceof FlyError) return {exitCode: 1, stdout: '', stderr: `Error: ${error.message}\n`};
		return {exitCode: 1, stdout: '', stderr: `Error: ${(error as Error).message}\n`};
	}
};
