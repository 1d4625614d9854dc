import type {StepStatus} from '../engine/events.js';
import type {Tone} from './theme.js';

/** Every state has an icon and a word: the word carries the meaning when colour is off. */
export const statusLook: Record<StepStatus, {icon: string; word: string; tone: Tone}> = {
	pending: {icon: '○', word: 'pending', tone: 'muted'},
	running: {icon: '◌', word: 'running', tone: 'accent'},
	passed: {icon: '✓', word: 'passed', tone: 'good'},
	failed: {icon: '✗', word: 'failed', tone: 'bad'},
	blocked: {icon: '⊘', word: 'blocked', tone: 'warn'},
	skipped: {icon: '↷', word: 'skipped', tone: 'muted'},
	overridden: {icon: '⚑', word: 'overridden', tone: 'warn'},
	unknown: {icon: '?', word: 'unknown', tone: 'warn'},
};

/** Width of the longest state word, so titles line up. */
export const STATUS_WORD_WIDTH = Math.max(...Object.values(statusLook).map((look) => look.word.length));
