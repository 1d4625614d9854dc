import {createHash} from 'node:crypto';
import type {FlyMachine} from '../fly-state.js';

// A sandbox machine in the JSON shape flyctl prints for `fly machine list --json` and `fly status --json`.

/** The one health check every sandbox machine has, named as Fly names a service check. */
export const CHECK_NAME = 'servicecheck-00-http-8080';

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
		? [{name: CHECK_NAME, status: machine.check.status, output: machine.check.output, updated_at: machine.check.updatedAt}]
		: [],
	host_status: 'ok',
});
