import type {Key} from 'ink';
import type {Intent} from '../engine/intents.js';
import {decide} from '../engine/decide.js';
import {currentPhase, stuckStep} from '../engine/select.js';
import type {RunState} from '../engine/state.js';
import type {ChecklistRole} from './store.js';

export type PromptPurpose = 'rollback' | 'override' | 'note';

/** What the keyboard is doing right now. */
export type KeyMode =
	| {kind: 'normal'}
	| {kind: 'help'}
	| {kind: 'quit'}
	| {kind: 'prompt'; purpose: PromptPurpose; text: string};

export const promptQuestion: Record<PromptPurpose, string> = {
	rollback: 'Roll back to blue? Type a reason, Enter to confirm, Esc to cancel',
	override: 'Break-glass override of the failing step. Type a reason (required), Enter to confirm, Esc to cancel',
	note: 'Note for the journal and the release record. Enter to add, Esc to cancel',
};

export const QUIT_QUESTION = 'Quit? The session can be resumed; the command is printed on exit. (y/n)';

/** What a key press leads to: a new mode, an intent for the driver, a message, or leaving the view. */
export type KeyOutcome = {mode: KeyMode; intent?: Intent; flash?: string; exit?: boolean};

export type KeyContext = {state: RunState; role: ChecklistRole; operator: string; mode: KeyMode};

export const keyHelp = (role: ChecklistRole): Array<[string, string]> =>
	role === 'driver'
		? [
				['Enter', 'confirm the current phase once its checks passed and its gates hold'],
				['Space', 'tick the manual step (or the next item of a linked checklist)'],
				['t', 'run the failed step or the watch again'],
				['r', 'roll back to blue (offered once production was changed); asks for a reason'],
				['o', 'break-glass override of a failing step; a typed reason is recorded'],
				['n', 'add a note to the journal and the release record'],
				['R / D / F', 'for a step whose outcome is unknown: re-run, mark done, mark failed'],
				['?', 'this help; Esc or ? closes it'],
				['q', 'quit; the session can be resumed (the command is printed on exit)'],
			]
		: [
				['Enter', 'give the second confirmation of a four-eyes phase'],
				['n', 'add a note to the journal and the release record'],
				['?', 'this help; Esc or ? closes it'],
				['q', 'leave the view; the release goes on'],
			];

const footerKeys: Record<ChecklistRole, Array<[string, string]>> = {
	driver: [
		['Enter', 'confirm'],
		['Space', 'tick'],
		['t', 'retry'],
		['r', 'rollback'],
		['o', 'override'],
		['n', 'note'],
		['?', 'help'],
		['q', 'quit'],
	],
	pair: [
		['Enter', 'confirm (second)'],
		['n', 'note'],
		['?', 'help'],
		['q', 'leave'],
	],
};

/** The keys line: spelled out when it fits, tighter on a narrow terminal so no key is cut off. */
export const keysFooter = (role: ChecklistRole, columns = Number.POSITIVE_INFINITY): string => {
	const forms = [
		footerKeys[role].map(([key, what]) => `${key} ${what}`).join(' · '),
		footerKeys[role].map(([key, what]) => `${key}=${what}`).join(' '),
		`keys: ${footerKeys[role].map(([key]) => key).join(' ')} (? explains them)`,
	];
	return forms.find((form) => form.length <= columns) ?? forms.at(-1)!;
};

const normal: KeyMode = {kind: 'normal'};

/** A sentence on screen starts with a capital; the reasons come from the engine in lower case. */
const sentence = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * A key's intent, checked against the same rule the run loop applies (engine/decide.ts), so a key
 * that would be refused says why at once instead of sending anything.
 */
const ask = (context: KeyContext, intent: Intent, mode: KeyMode = normal): KeyOutcome => {
	const decision = decide(context.state, intent, {operator: context.operator, role: context.role});
	if (decision.ok) return {mode, intent};
	return {mode: normal, flash: decision.notReady ? `Enter blocked: ${decision.reason}` : sentence(decision.reason)};
};

// The phase on screen goes with the key: a screen a moment behind never confirms the next phase.
const confirm = (context: KeyContext): KeyOutcome => ask(context, {type: 'confirm', phase: currentPhase(context.state)?.id});

const typing = (mode: Extract<KeyMode, {kind: 'prompt'}>, input: string, key: Key): KeyOutcome => {
	if (key.escape) return {mode: normal};
	if (key.backspace || key.delete) return {mode: {...mode, text: mode.text.slice(0, -1)}};
	if (key.return) {
		const text = mode.text.trim();
		switch (mode.purpose) {
			case 'override':
				if (!text) return {mode, flash: 'An override needs a reason: type why it is safe to go on'};
				return {mode: normal, intent: {type: 'override', reason: text}};
			case 'rollback':
				return {mode: normal, intent: {type: 'rollback', reason: text || 'no reason given'}};
			case 'note':
				return text ? {mode: normal, intent: {type: 'note', text}} : {mode: normal};
		}
	}
	// Pasted text arrives in one piece; control characters never reach a reason.
	const printable = input.replace(/[\u0000-\u001f\u007f]/g, '');
	if (!printable || key.ctrl || key.meta) return {mode};
	return {mode: {...mode, text: mode.text + printable}};
};

/** Maps one key press to what it does. Pure: the hook applies the outcome. */
export const interpretKey = (context: KeyContext, input: string, key: Key): KeyOutcome => {
	const {state, role, mode} = context;
	const driver = role === 'driver';
	if (key.ctrl && input === 'c') {
		// Raw mode swallows SIGINT: Ctrl-C stops the run at once (the driver), or leaves the view (the pair).
		return driver ? {mode: normal, intent: {type: 'quit'}, flash: 'Stopping…'} : {mode: normal, exit: true};
	}
	switch (mode.kind) {
		case 'prompt':
			return typing(mode, input, key);
		case 'help':
			return key.escape || input === '?' || input === 'q' ? {mode: normal} : {mode};
		case 'quit':
			if (input === 'y' || input === 'Y') {
				return driver ? {mode: normal, intent: {type: 'quit'}, flash: 'Stopping…'} : {mode: normal, exit: true};
			}
			return {mode: normal};
		case 'normal':
			break;
	}
	if (key.return) return confirm(context);
	if (input === '?') return {mode: {kind: 'help'}};
	if (input === 'q') return {mode: {kind: 'quit'}};
	if (input === 'n') return {mode: {kind: 'prompt', purpose: 'note', text: ''}};
	if (!driver) {
		return input.trim() ? {mode, flash: 'Pair view: Enter confirms, n adds a note, q leaves'} : {mode};
	}
	switch (input) {
		case ' ':
			return ask(context, {type: 'tick'}, mode);
		case 't':
			return ask(context, {type: 'retry'}, mode);
		case 'r': {
			// Ask now whether a rollback is possible: the reason is typed only when it is.
			const possible = ask(context, {type: 'rollback', reason: ''}, mode);
			return possible.intent ? {mode: {kind: 'prompt', purpose: 'rollback', text: ''}} : possible;
		}
		case 'o': {
			const failing = stuckStep(state)?.step.status === 'failed';
			return failing ? {mode: {kind: 'prompt', purpose: 'override', text: ''}} : ask(context, {type: 'override', reason: ''}, mode);
		}
		case 'R':
		case 'D':
		case 'F':
			return ask(context, {type: 'decide', decision: input === 'R' ? 'rerun' : input === 'D' ? 'done' : 'failed'}, mode);
		default:
			return {mode};
	}
};
