import {describeRoles, readRoles, rolesJson} from '../../tools/roles.js';
import {EXIT, parse, UsageError} from '../usage.js';
import {leverEnv} from './lever-env.js';

/**
 * `greenlight roles --app EDGE --green-app OTHER [--json]`: which app serves production and which is
 * idle, from live state; exit 1 (with the reason) when OTHER carries production traffic.
 */
export const runRolesCommand = async (args: string[]): Promise<number> => {
	const {values} = parse(args, {app: {type: 'string'}, 'green-app': {type: 'string'}, json: {type: 'boolean'}}, 0);
	if (!values.app) throw new UsageError('roles needs --app APP (the app that owns the hostname and the lever)');
	if (!values['green-app']) throw new UsageError('roles needs --green-app APP (the app a release deploys into)');
	if (values.app === values['green-app']) throw new UsageError(`roles needs two apps; --app and --green-app both name ${values.app}`);
	const read = await readRoles(values.app, values['green-app'], {env: leverEnv()});
	if (!read.ok) {
		process.stderr.write(`${read.message}\n`);
		return EXIT.failed;
	}
	const {decision} = read;
	if (values.json) process.stdout.write(`${JSON.stringify(rolesJson(decision))}\n`);
	else if (decision.ok) process.stdout.write(`${describeRoles(decision).join('\n')}\n`);
	if (!decision.ok) process.stderr.write(`${decision.refusal}\n`);
	return decision.ok ? EXIT.completed : EXIT.failed;
};
