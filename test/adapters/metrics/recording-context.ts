import {eventsOf, type StepContext} from '../../../source/adapters/step-context.js';
import type {EventInput, GateSampled} from '../../../source/engine/events.js';
import type {MetricSource, TrafficStep, WatchStep} from '../../../source/runbook/schema.js';

export type RecordingContext<S extends WatchStep | TrafficStep> = {
	context: StepContext<S>;
	events: EventInput[];
	lines: string[];
	samples(): Array<Omit<GateSampled, 'ts'>>;
};

/** A step context that records what the executor emits and logs, as the driver would receive it. */
export const recordingContext = <S extends WatchStep | TrafficStep>(
	step: S,
	options: {
		metrics: Record<string, {title: string; unit?: string; green: MetricSource; blue?: MetricSource}>;
		speed?: number;
		signal?: AbortSignal;
		variables?: Record<string, string>;
		env?: Record<string, string>;
	},
): RecordingContext<S> => {
	const events: EventInput[] = [];
	const lines: string[] = [];
	return {
		context: {
			phase: 'smoke',
			step,
			variables: options.variables ?? {},
			env: options.env ?? {},
			runbookDir: '.',
			signal: options.signal ?? new AbortController().signal,
			log: (line) => lines.push(line),
			emit: (input) => events.push(...eventsOf(input)),
			speed: options.speed ?? 1,
			metrics: options.metrics,
		},
		events,
		lines,
		samples: () => events.filter((event): event is Omit<GateSampled, 'ts'> => event.type === 'gate-sampled'),
	};
};
