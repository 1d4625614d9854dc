import type {FlyView} from './command.js';
import {pretty, table} from './output.js';

// Fake `fly releases`: the app's releases from the sandbox state, newest first.

export const releases: FlyView = ({app}, flags) => {
	const sorted = [...app.releases].sort((first, second) => second.version - first.version);
	if (flags.json === true) {
		return pretty(
			sorted.map((release) => ({
				ID: `rel_${app.id}_${release.version}`,
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
		);
	}
	const headers = ['VERSION', 'STATUS', 'DESCRIPTION', 'USER', 'DATE', ...(flags.image === true ? ['DOCKER IMAGE'] : [])];
	const rows = sorted.map((release) => [
		`v${release.version}`,
		release.status,
		release.description,
		release.user,
		release.createdAt,
		...(flags.image === true ? [release.imageRef] : []),
	]);
	return `${table(headers, rows)}\n`;
};
