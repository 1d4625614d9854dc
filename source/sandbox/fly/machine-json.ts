import {createHash} from 'node:crypto';
import type {FlyConfigCheck, FlyMachine, FlyState} from '../fly-state.js';
import {checkNamesOf, machineConfig, servicesOf} from './app-config.js';

// A sandbox machine as flyctl prints it in `fly machine list --json` and `fly status --json`:
// fly-go's Machine (superfly/fly-go machine_types.go) encoded by Go's encoding/json, so a field
// with `omitempty` is left out when empty and one without it is always there:
// - `image_ref` and `cordoned` always; `checks`, `events`, `config`, `incomplete_config` only when set;
// - `config` when the host answers (host_status "ok"), else `incomplete_config` (Machine.GetConfig);
// - config.`init` always (MachineInit has no omitempty), service `force_instance_key` always (null);
// - image_ref.`labels` only when there are labels.

/** Whether Fly reaches the machine's host. */
const hostStatusOf = (machine: FlyMachine) => machine.hostStatus ?? 'ok';

/** The first health check every machine started without a verdict has, as Consul starts a check: critical. */
const UNCHECKED = {status: 'critical' as const, output: ''};

const imageRef = (image: string) => {
	const [repositoryPart, tag = 'latest'] = image.split(/:(?=[^/]*$)/);
	const [registry, ...rest] = (repositoryPart ?? image).split('/');
	return {
		registry: rest.length > 0 ? registry : 'docker.io',
		repository: rest.length > 0 ? rest.join('/') : registry,
		tag,
		digest: `sha256:${createHash('sha256').update(image).digest('hex')}`,
	};
};

const epochMs = (iso: string) => Date.parse(iso);

/** fly-go MachineCheckStatus: name, status (lowercase), output, updated_at. */
export const machineChecks = (state: FlyState, machine: FlyMachine) => {
	const names = checkNamesOf(machineConfig(state, machine), machine.processGroup);
	// The sandbox probes one thing, /health: every check of the machine reports that verdict.
	const verdict = machine.check ?? {...UNCHECKED, updatedAt: machine.updatedAt};
	return names.map((name) => ({
		name,
		status: verdict.status,
		...(verdict.output === '' ? {} : {output: verdict.output}),
		updated_at: verdict.updatedAt,
	}));
};

/** A check's settings as fly-go MachineServiceCheck and MachineCheck name them, empty ones left out (omitempty). */
const checkJson = (entry: FlyConfigCheck) => ({
	type: entry.type,
	...(entry.interval ? {interval: entry.interval} : {}),
	...(entry.timeout ? {timeout: entry.timeout} : {}),
	...(entry.gracePeriod ? {grace_period: entry.gracePeriod} : {}),
	...(entry.method ? {method: entry.method} : {}),
	...(entry.path ? {path: entry.path} : {}),
});

/** fly-go MachineConfig, built from the app config as flyctl's appconfig ToMachineConfig does (internal/appconfig/machines.go). */
const machineConfigJson = (state: FlyState, machine: FlyMachine) => {
	const config = machineConfig(state, machine);
	const app = state.apps[machine.app];
	const metadata = {
		fly_flyctl_version: '0.3.0',
		fly_platform_version: 'v2',
		fly_process_group: machine.processGroup,
		fly_release_id: `rel_${app?.id ?? machine.app}_${machine.release}`,
		fly_release_version: String(machine.release),
	};
	const guest = {cpu_kind: 'shared', cpus: 1, memory_mb: 512};
	if (hostStatusOf(machine) !== 'ok') {
		// What Fly can still tell without the host: a partial config (fly-go Machine.IncompleteConfig).
		return {incomplete_config: {init: {}, guest, metadata, image: machine.image}};
	}
	const command = config.processes[machine.processGroup];
	const services = servicesOf(config, machine.processGroup).map((service) => ({
		protocol: 'tcp',
		internal_port: service.internalPort,
		ports: service.ports.map((port) => ({port: port.port, handlers: port.handlers, ...(port.forceHttps ? {force_https: true} : {})})),
		...(service.checks.length > 0 ? {checks: service.checks.map(checkJson)} : {}),
		force_instance_key: null,
	}));
	const checks = Object.entries(config.checks).filter(([, entry]) => entry.processes.length === 0 || entry.processes.includes(machine.processGroup));
	return {
		config: {
			env: {...config.env, FLY_PROCESS_GROUP: machine.processGroup, ...(config.primaryRegion ? {PRIMARY_REGION: config.primaryRegion} : {})},
			init: command ? {cmd: command.split(/\s+/).filter(Boolean)} : {},
			guest,
			metadata,
			...(services.length > 0 ? {services} : {}),
			...(checks.length > 0
				? {checks: Object.fromEntries(checks.map(([name, entry]) => [name, {...(entry.port === undefined ? {} : {port: entry.port}), ...checkJson(entry)}]))}
				: {}),
			image: machine.image,
		},
	};
};

/** The machine's last events, newest first (fly-go MachineEvent). */
const events = (machine: FlyMachine) => {
	const list = [{type: 'launch', status: 'created', source: 'user', timestamp: epochMs(machine.createdAt)}];
	if (machine.state === 'started') list.unshift({type: 'start', status: 'started', source: 'flyd', timestamp: epochMs(machine.updatedAt)});
	if (machine.state === 'stopped') list.unshift({type: 'exit', status: 'stopped', source: 'flyd', timestamp: epochMs(machine.updatedAt)});
	return list;
};

/** A machine as flyctl prints fly-go's Machine, fields in the struct's order. */
export const machineJson = (state: FlyState, machine: FlyMachine) => {
	const {config, incomplete_config} = machineConfigJson(state, machine) as {config?: object; incomplete_config?: object};
	const checks = machineChecks(state, machine);
	return {
		id: machine.id,
		name: machine.name,
		state: machine.state,
		region: machine.region,
		image_ref: imageRef(machine.image),
		instance_id: `01H${createHash('sha1').update(`${machine.id}${machine.updatedAt}`).digest('hex').slice(0, 23).toUpperCase()}`,
		private_ip: `fdaa:9:1f2e:a7b:${machine.id.slice(0, 4)}:${machine.id.slice(4, 8)}:${machine.id.slice(8, 12)}:2`,
		created_at: machine.createdAt,
		updated_at: machine.updatedAt,
		...(config ? {config} : {}),
		events: events(machine),
		...(checks.length > 0 ? {checks} : {}),
		host_status: hostStatusOf(machine),
		cordoned: machine.cordoned,
		...(incomplete_config ? {incomplete_config} : {}),
	};
};
