import type {Role} from '../engine/decide.js';
import type {EngineEvent} from '../engine/events.js';
import type {RunState} from '../engine/state.js';

/**
 * Where the checklist reads the run from: the driver's live state, or the pair's replayed journal.
 * `events` are the same events in order (redacted), for the detail view's whole history of a step.
 */
export type RunStore = {
	getState(): RunState;
	subscribe(listener: () => void): () => void;
	events(): readonly EngineEvent[];
};

/** The driver runs the release; the pair watches, adds notes and gives the second confirmation. */
export type ChecklistRole = Role;
