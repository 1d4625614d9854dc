import type {FlyView} from './command.js';
import {pretty, table} from './output.js';

// Fake `fly secrets list`, as superfly/flyctl internal/command/secrets/list.go prints it: names and
// digests, never a value (the sandbox never kept one); --json is [{name, digest, status}] with status
// "Staged" (set with --stage, not on any machine yet) or "Deployed".

export const secretsList: FlyView = ({app}, flags) => {
	const rows = Object.entries(app.secrets).map(([name, secret]) => ({name, digest: secret.digest, status: secret.staged === true ? 'Staged' : 'Deployed'}));
	if (flags.json === true) return pretty(rows);
	return `${table(['NAME', 'DIGEST', 'STATUS'], rows.map((row) => [`${row.status === 'Staged' ? '* ' : ''}${row.name}`, row.digest, row.status]))}\n`;
};
