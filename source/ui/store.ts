import type {Role} from '../engine/decide.js';
import type {RunState} from '../engine/state.js';

/** Where the checklist reads the run from: the driver's live state, or the pair's replayed journal. */
export type RunStore = {getState(): RunState; subscribe(listener: () => void): () => void};

/** The driver runs the release; the pair watches, adds notes and gives the second confirmation. */
export type ChecklistRole = Role;
