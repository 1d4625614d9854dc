import type {FlyView} from './command.js';
import {pretty, table} from './output.js';

// Fake `fly releases`, as superfly/flyctl internal/command/apps/releases.go prints it: the app's
// last 25 releases, newest first, failed ones too. --json writes fly-go's Release (types.go), a Go
// struct without JSON tags, so every field is there under its Go name, zero when the query
// (fly-go resource_releases.go GetAppReleasesMachines) did not ask for it: InProgress false,
// DeploymentStrategy "", Metadata null, EvaluationID "", User.EnablePaidHobby false. --image only
// adds the table's DOCKER IMAGE column.

const LIMIT = 25;

export const releases: FlyView = ({app}, flags) => {
	const sorted = [...app.releases].sort((first, second) => second.version - first.version).slice(0, LIMIT);
	if (flags.json === true) {
		return pretty(
			sorted.map((release) => ({
				ID: `rel_${app.id}_${release.version}`,
				Version: release.version,
				Stable: release.status === 'complete',
				InProgress: false,
				Reason: 'deploy',
				Description: release.description,
				Status: release.status,
				DeploymentStrategy: '',
				Metadata: null,
				User: {ID: 'user_operator', Name: 'Release Operator', Email: release.user, EnablePaidHobby: false},
				EvaluationID: '',
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
