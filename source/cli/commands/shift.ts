import {shiftTraffic} from '../../tools/traffic-lever.js';
import {EXIT, parse, UsageError} from '../usage.js';
import {leverEnv} from './lever-env.js';

/** `greenlight shift --app APP --weight N [--green-app APP] [--blue-machines ID,ID]`: the traffic lever a traffic step runs. */
export const runShiftCommand = async (args: string[]): Promise<number> => {
	const {values} = parse(args, {app: {type: 'string'}, 'green-app': {type: 'string'}, weight: {type: 'string'}, 'blue-machines': {type: 'string'}}, 0);
	if (!values.app) throw new UsageError('shift needs --app APP');
	const weight = Number(values.weight);
	if (values.weight === undefined || !Number.isFinite(weight) || weight < 0 || weight > 100) {
		throw new UsageError(`shift needs --weight between 0 and 100, got "${values.weight ?? ''}"`);
	}
	// A capture of several machine ids arrives as one argv element, joined with ",".
	const blueMachines = values['blue-machines']?.split(',').map((id) => id.trim()).filter(Boolean);
	const result = await shiftTraffic({app: values.app, greenApp: values['green-app'], weight, env: leverEnv(), blueMachines});
	(result.ok ? process.stdout : process.stderr).write(`${result.message}\n`);
	return result.ok ? EXIT.completed : EXIT.failed;
};
