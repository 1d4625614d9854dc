import {spawn} from 'node:child_process';
import {performance} from 'node:perf_hooks';
import {turnAbout, type BenchContext, type BenchRow} from '../bench-context.js';
import {figure, judgeRow} from '../figures.js';

// `greenlight --version` from process start to exit, against `node -e 0` started the same way,
// turn about. It answers before Ink, React or zod are loaded, so what is left is Node's own start
// and reading the bundle.

const timeToExit = (argv: string[]): Promise<number> =>
	new Promise((resolve, reject) => {
		const started = performance.now();
		const child = spawn(process.execPath, argv, {stdio: ['ignore', 'pipe', 'inherit']});
		child.stdout.resume();
		child.once('error', reject);
		child.once('exit', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${argv.join(' ')} exited with ${code}`))));
	});

export const measureVersionStart = async (context: BenchContext) => {
	const {baseline, greenlight} = await turnAbout(
		context.runs ?? 9,
		() => timeToExit(['-e', '0']),
		() => timeToExit([context.cli, '--version']),
	);
	return [
		judgeRow({
			id: 'version',
			what: '`greenlight --version`',
			greenlight: figure(greenlight, 'ms'),
			baseline: {...figure(baseline, 'ms'), what: '`node -e 0`'},
			target: {kind: 'ratio', max: 2},
		}),
	];
};

export const versionRow: BenchRow = {id: 'version', measure: measureVersionStart};
