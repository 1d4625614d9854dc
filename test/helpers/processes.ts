// Tests ask what production asks: a zombie, exited and waiting to be reaped, does not count as running.
export {isProcessRunning as alive} from '../../source/adapters/process-tree.js';
