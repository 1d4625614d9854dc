import {existsSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {packageRoot} from '../../adapters/package-root.js';
import type {FlyAppConfig, FlyApp, FlyConfigCheck, FlyConfigService, FlyMachine, FlyState} from '../fly-state.js';
import {FlyError} from './command.js';
import {parseToml, type TomlTable, type TomlValue} from './toml.js';

// Which fly.toml a command uses and what the sandbox takes from it, as flyctl decides:
// - the file: `--config PATH` (PATH, then PATH/fly.toml), else fly.toml, fly.json, fly.yaml in the
//   working directory (superfly/flyctl internal/command/command.go appConfigFilePaths,
//   LoadAppConfigIfPresent); without one, `fly deploy` takes the app's deployed config: the current
//   release's, else one rebuilt from its machines (internal/command/deploy/deploy.go
//   determineAppConfig, internal/appconfig/remote.go FromRemoteApp);
// - the app: `--app`, else $FLY_APP, else the file's `app` (command.go RequireAppName);
// - process groups: the keys of [processes], sorted, else "app" (internal/appconfig/processgroups.go).

export const DEFAULT_CONFIG_FILE = 'fly.toml';
const DEFAULT_GROUP = 'app';

const text = (value: TomlValue | undefined): string | undefined => (typeof value === 'string' ? value : undefined);
const int = (value: TomlValue | undefined): number | undefined => (typeof value === 'number' && Number.isInteger(value) ? value : undefined);
const table = (value: TomlValue | undefined): TomlTable | undefined =>
	typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
const tables = (value: TomlValue | undefined): TomlTable[] => (Array.isArray(value) ? value.flatMap((item) => (table(item) ? [item as TomlTable] : [])) : []);
const strings = (value: TomlValue | undefined): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);

const check = (raw: TomlTable, type: 'http' | 'tcp'): FlyConfigCheck => ({
	type,
	...(int(raw.port) === undefined ? {} : {port: int(raw.port)}),
	...(text(raw.path) === undefined ? {} : {path: text(raw.path)}),
	...(text(raw.method) === undefined ? {} : {method: text(raw.method)}),
	...(text(raw.interval) === undefined ? {} : {interval: text(raw.interval)}),
	...(text(raw.timeout) === undefined ? {} : {timeout: text(raw.timeout)}),
	...(text(raw.grace_period) === undefined ? {} : {gracePeriod: text(raw.grace_period)}),
});

/** fly.toml's keys as flyctl's appconfig.Config reads them (internal/appconfig/config.go, service.go). */
export const configFromToml = (raw: TomlTable, source: string): FlyAppConfig => {
	const processes: Record<string, string> = {};
	for (const [name, command] of Object.entries(table(raw.processes) ?? {})) {
		processes[name] = typeof command === 'string' ? command : strings(command).join(' ');
	}
	const services: FlyConfigService[] = [];
	const httpService = table(raw.http_service);
	if (httpService) {
		// [http_service] becomes a tcp service on ports 80 (http) and 443 (http, tls): HTTPService.ToService.
		services.push({
			internalPort: int(httpService.internal_port) ?? 8080,
			processes: strings(httpService.processes),
			checks: tables(httpService.checks).map((entry) => check(entry, 'http')),
			ports: [
				{port: 80, handlers: ['http'], ...(httpService.force_https === true ? {forceHttps: true} : {})},
				{port: 443, handlers: ['http', 'tls']},
			],
		});
	}
	for (const service of tables(raw.services)) {
		services.push({
			internalPort: int(service.internal_port) ?? 0,
			processes: strings(service.processes),
			checks: [...tables(service.tcp_checks).map((entry) => check(entry, 'tcp')), ...tables(service.http_checks).map((entry) => check(entry, 'http'))],
			ports: tables(service.ports).map((port) => ({
				port: int(port.port) ?? 0,
				handlers: strings(port.handlers),
				...(port.force_https === true ? {forceHttps: true} : {}),
			})),
		});
	}
	const checks: FlyAppConfig['checks'] = {};
	for (const [name, entry] of Object.entries(table(raw.checks) ?? {})) {
		const definition = table(entry) ?? {};
		checks[name] = {...check(definition, text(definition.type) === 'tcp' ? 'tcp' : 'http'), processes: strings(definition.processes)};
	}
	const env: Record<string, string> = {};
	for (const [name, value] of Object.entries(table(raw.env) ?? {})) env[name] = String(value);
	const image = text(table(raw.build)?.image);
	return {
		source,
		app: text(raw.app) ?? '',
		primaryRegion: text(raw.primary_region) ?? '',
		processes,
		...(image ? {image} : {}),
		services,
		checks,
		env,
	};
};

/** Reads one config file as flyctl's appconfig.LoadConfig does: .json as JSON, anything else as TOML. */
const loadConfigFile = (file: string): FlyAppConfig => {
	if (statSync(file).isDirectory()) throw new FlyError(`failed loading app config from ${file}: read ${file}: is a directory`);
	const body = readFileSync(file, 'utf8');
	try {
		if (file.endsWith('.yaml')) throw new Error('the rehearsal stand-in reads fly.toml and fly.json only, not YAML');
		const raw = file.endsWith('.json') ? (JSON.parse(body) as TomlTable) : parseToml(body);
		return configFromToml(raw, file);
	} catch (error) {
		throw new FlyError(`failed loading app config from ${file}: ${(error as Error).message}`);
	}
};

/** The config file a command reads, if any (command.go LoadAppConfigIfPresent). */
export const localAppConfig = (flags: Record<string, string | boolean>, cwd: string): FlyAppConfig | undefined => {
	const given = typeof flags.config === 'string' && flags.config !== '' ? flags.config : undefined;
	const candidates = given
		? [given, path.join(given, DEFAULT_CONFIG_FILE)]
		: [DEFAULT_CONFIG_FILE, 'fly.json', 'fly.yaml'].map((name) => path.join(cwd, name));
	for (const candidate of candidates) {
		const file = path.resolve(cwd, candidate);
		if (existsSync(file)) return loadConfigFile(file);
	}
	if (given) throw new FlyError(`config file not found at specified path: ${given} (also tried: ${path.join(given, DEFAULT_CONFIG_FILE)})`);
	return undefined;
};

/** The app a command acts on: --app, else $FLY_APP, else the config file's app (command.go RequireAppName). */
export const appNameOf = (flags: Record<string, string | boolean>, env: Record<string, string | undefined>, config: FlyAppConfig | undefined): string => {
	const name = (typeof flags.app === 'string' && flags.app) || env.FLY_APP || config?.app || '';
	if (name === '') {
		throw new FlyError('the config for your app is missing an app name, add an app field to the fly.toml file or specify with the -a flag');
	}
	return name;
};

/** Process groups of a config: [processes] keys sorted, else "app" (appconfig/processgroups.go ProcessNames). */
export const processNames = (config: FlyAppConfig): string[] => {
	const names = Object.keys(config.processes).sort();
	return names.length > 0 ? names : [DEFAULT_GROUP];
};

/** "app" when it is a group, else the first group (processgroups.go DefaultProcessName). */
const defaultProcessName = (config: FlyAppConfig): string => {
	const names = processNames(config);
	return names.includes(DEFAULT_GROUP) ? DEFAULT_GROUP : (names[0] as string);
};

/** A section with `processes = [...]` serves those groups; without, the default group (processgroups.go flattenGroupMatches). */
const serves = (config: FlyAppConfig, processes: string[], group: string): boolean =>
	processes.length === 0 ? group === defaultProcessName(config) : processes.includes(group);

export const servicesOf = (config: FlyAppConfig, group: string): FlyConfigService[] =>
	config.services.filter((service) => serves(config, service.processes, group));

/** The health checks a machine of `group` has, by the names Fly reports them under. */
export const checkNamesOf = (config: FlyAppConfig, group: string): string[] => {
	// Service checks are reported as servicecheck-<index>-<type>-<internal port> (as in flyctl's
	// internal/machine/leasable_machine_test.go), top-level [checks.NAME] under their own name.
	let index = 0;
	const names: string[] = [];
	for (const service of servicesOf(config, group)) {
		for (const entry of service.checks) {
			names.push(`servicecheck-${String(index).padStart(2, '0')}-${entry.type}-${service.internalPort}`);
			index += 1;
		}
	}
	for (const [name, entry] of Object.entries(config.checks)) if (serves(config, entry.processes, group)) names.push(name);
	return names;
};

/**
 * The config flyctl rebuilds from an app's machines when no release carries one (remote.go
 * getAppV2ConfigFromMachines): their process groups, each served by the sandbox's HTTP service with
 * its /health check, as the sandbox's servers are.
 */
export const configFromMachines = (app: FlyApp, machines: readonly FlyMachine[]): FlyAppConfig => {
	const groups = [...new Set(machines.map((machine) => machine.processGroup))].sort();
	if (groups.length === 0) throw new FlyError(`failed to grab app config from existing machines, error: could not create a fly.toml from any machines :-(\n`);
	return {
		source: 'machines',
		app: app.name,
		primaryRegion: machines[0]?.region ?? 'fra',
		processes: groups.length === 1 && groups[0] === DEFAULT_GROUP ? {} : Object.fromEntries(groups.map((group) => [group, ''])),
		services: [
			{
				internalPort: 8080,
				processes: groups.length === 1 ? [] : groups,
				checks: [{type: 'http', path: '/health', method: 'GET', interval: '15s', timeout: '2s', gracePeriod: '5s'}],
				ports: [
					{port: 80, handlers: ['http'], forceHttps: true},
					{port: 443, handlers: ['http', 'tls']},
				],
			},
		],
		checks: {},
		env: {},
	};
};

/** The app's deployed config: its current release's, else rebuilt from its machines (remote.go FromRemoteApp). */
export const deployedConfig = (app: FlyApp, machines: readonly FlyMachine[]): FlyAppConfig => {
	const current = app.releases.filter((release) => release.status === 'complete').at(-1);
	if (current?.config) return {...current.config, source: `release v${current.version}`, app: app.name};
	return configFromMachines(app, machines);
};

/** The config a machine runs: the one of the release that last updated it. */
export const machineConfig = (state: FlyState, machine: FlyMachine): FlyAppConfig => {
	const app = state.apps[machine.app];
	if (!app) throw new FlyError(`failed to get app: Could not find App "${machine.app}"`);
	const release = app.releases.find((entry) => entry.version === machine.release);
	if (release?.config) return release.config;
	return configFromMachines(app, state.machines.filter((entry) => entry.app === machine.app && entry.state !== 'destroyed'));
};

/** Whether the app config gives a machine of this group any health check to wait for. */
export const hasChecks = (state: FlyState, machine: FlyMachine): boolean => checkNamesOf(machineConfig(state, machine), machine.processGroup).length > 0;

const configsDir = path.join(packageRoot(), 'source', 'sandbox', 'fly', 'configs');

/**
 * The rehearsal's own fly.toml per app (source/sandbox/fly/configs), for the runbook's explicit
 * `fly deploy --config`: the sandbox hands their paths to the rehearsal target as variables.
 */
export const SANDBOX_CONFIG_FILES = {
	blue: path.join(configsDir, 'lokaltreu-api.fly.toml'),
	green: path.join(configsDir, 'lokaltreu-api-green.fly.toml'),
} as const;
