import type {FlyView} from './command.js';
import {pretty, table} from './output.js';

// Fake `fly secrets list`: names and digests only, as flyctl shows them; the sandbox never kept a value.

export const secretsList: FlyView = ({app}, flags) => {
	const rows = Object.entries(app.secrets).map(([name, secret]) => ({Name: name, Digest: secret.digest, CreatedAt: secret.createdAt}));
	if (flags.json === true) return pretty(rows);
	return `${table(['NAME', 'DIGEST', 'CREATED AT'], rows.map((row) => [row.Name, row.Digest, row.CreatedAt]))}\n`;
};
