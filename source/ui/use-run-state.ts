import {useCallback, useSyncExternalStore} from 'react';
import type {RunState} from '../engine/state.js';
import type {RunStore} from './store.js';

/** The run as the store has it now; re-renders when the store says it changed. */
export const useRunState = (store: RunStore): RunState => {
	const subscribe = useCallback((listener: () => void) => store.subscribe(listener), [store]);
	const getState = useCallback(() => store.getState(), [store]);
	return useSyncExternalStore(subscribe, getState, getState);
};
