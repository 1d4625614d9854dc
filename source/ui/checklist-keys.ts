import type {Key} from 'ink';
import type {Intent} from '../engine/intents.js';
import {decide} from '../engine/decide.js';
import {currentPhase, stuckStep} from '../engine/select.js';
import type {RunState} from '../engine/state.js';
import {defaultItem, findPhase, moveCursor, type ItemRef} from './cursor.js';
import type {ChecklistRole} from './store.js';

export type PromptPurpose = 'rollback' | 'override' | 'note';

/** Where a log pane stands: its first line shown, or stuck to the end while new lines arrive (like `less +F`). */
export type LogScroll = {top: number; follow: boolean};

/** A search in a step's log: the text looked for, the line found, and the text being typed after `/`. */
export type LogSearchState = {query?: string; match?: number; typing?: string};

/** The step open in the detail view, how its log is scrolled and searched, and where Esc goes back to. */
export type Inspecting = {phase: string; step: string; scroll: LogScroll; search: LogSearchState; back: ItemRef | undefined};

/** What the keyboard is doing right now. */
export type KeyMode =
	| {kind: 'normal'}
	/** The cursor was moved: it stays on this phase or step until Esc. */
	| {kind: 'cursor'; at: ItemRef}
	/** A step's detail with its log below. */
	| {kind: 'detail'; inspect: Inspecting}
	/** The same step's log on the whole screen. */
	| {kind: 'log'; inspect: Inspecting}
	| {kind: 'help'; back?: KeyMode}
	| {kind: 'quit'; back?: KeyMode}
	| {kind: 'prompt'; purpose: PromptPurpose; text: string; back?: KeyMode};

export const promptQuestion: Record<PromptPurpose, string> = {
	rollback: 'Roll back to blue? Type a reason, Enter to confirm, Esc to cancel',
	override: 'Break-glass override of the failing step. Type a reason (required), Enter to confirm, Esc to cancel',
	note: 'Note for the journal and the release record. Enter to add, Esc to cancel',
};

export const QUIT_QUESTION = 'Quit? The session can be resumed; the command is printed on exit. (y/n)';

/** A search the view runs on the step's log (the keys cannot read files): its answer moves the log there. */
export type LogSearchRequest = {text: string; from: number; backward: boolean};

/** What a key press leads to: a new mode, an intent for the driver, a log search, a message, or leaving the view. */
export type KeyOutcome = {mode: KeyMode; intent?: Intent; search?: LogSearchRequest; flash?: string; exit?: boolean};

/** The log pane as it is on screen: lines in the log so far and rows it shows. */
export type LogExtent = {total: number; rows: number};

export type KeyContext = {state: RunState; role: ChecklistRole; operator: string; mode: KeyMode; log?: LogExtent};

const inspectHelp: Array<[string, string]> = [
	['↑ ↓ j k', 'move the cursor over phases and steps (Enter and Space still act on the current phase)'],
	['→ l', 'open the step under the cursor: command, result, captures, expectations, gates, log'],
	['← h Esc', 'back: from the full log to the detail, from the detail to the checklist'],
	['in a log', '↑↓ a line · PgUp PgDn a page · g G top, end (G follows new output) · → full screen'],
	['/ n N', 'search the log (not case-sensitive); next, previous match'],
];

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
				...inspectHelp,
				['?', 'this help; Esc or ? closes it'],
				['q', 'quit; the session can be resumed (the command is printed on exit)'],
			]
		: [
				['Enter', 'give the second confirmation of a four-eyes phase'],
				['n', 'add a note to the journal and the release record'],
				...inspectHelp,
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
		['↑↓', 'move'],
		['→', 'open'],
		['?', 'help'],
		['q', 'quit'],
	],
	pair: [
		['Enter', 'confirm (second)'],
		['n', 'note'],
		['↑↓', 'move'],
		['→', 'open'],
		['?', 'help'],
		['q', 'leave'],
	],
};

const inspectKeys: Array<[string, string]> = [
	['↑↓', 'line'],
	['PgUp/PgDn', 'page'],
	['g/G', 'top/end'],
	['/', 'search'],
	['n/N', 'match'],
	['→', 'full log'],
	['Esc', 'back'],
	['?', 'help'],
];

const arrows = new Set(['↑↓', '→']);

/** A keys line: spelled out when it fits, tighter on a narrow terminal so no key is cut off. */
const fitKeys = (keys: Array<[string, string]>, columns: number, tight: string[] = []): string => {
	const forms = [
		keys.map(([key, what]) => `${key} ${what}`).join(' · '),
		keys.map(([key, what]) => `${key}=${what}`).join(' '),
		...tight,
		`keys: ${keys.map(([key]) => key).join(' ')} (? explains them)`,
	];
	return forms.find((form) => form.length <= columns) ?? forms.at(-1)!;
};

/** The keys line of the checklist. */
export const keysFooter = (role: ChecklistRole, columns = Number.POSITIVE_INFINITY): string => {
	const keys = footerKeys[role];
	// At 80 columns the arrows are named without words; ? explains them.
	const spoken = keys.filter(([key]) => !arrows.has(key));
	const arrowsOnly = `${spoken.map(([key, what]) => `${key}=${what}`).join(' ')} ↑↓→`;
	return fitKeys(keys, columns, [arrowsOnly]);
};

/** The keys line of the detail view and the full log (`maximised`: → has nothing more to open). */
export const inspectFooter = (columns = Number.POSITIVE_INFINITY, maximised = false): string =>
	fitKeys(maximised ? inspectKeys.filter(([key]) => key !== '→') : inspectKeys, columns);

/** The hint beside the search being typed. */
export const SEARCH_HINT = 'Enter search · Esc cancel';

const normal: KeyMode = {kind: 'normal'};

/** The view under a question or the help: Esc and an answer return there. */
export const viewMode = (mode: KeyMode): KeyMode => {
	switch (mode.kind) {
		case 'help':
		case 'quit':
		case 'prompt':
			return mode.back ? viewMode(mode.back) : normal;
		default:
			return mode;
	}
};

/** A sentence on screen starts with a capital; the reasons come from the engine in lower case. */
const sentence = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * A key's intent, checked against the same rule the run loop applies (engine/decide.ts), so a key
 * that would be refused says why at once instead of sending anything. The view stays as it was.
 */
const ask = (context: KeyContext, intent: Intent, mode: KeyMode = context.mode): KeyOutcome => {
	const decision = decide(context.state, intent, {operator: context.operator, role: context.role});
	if (decision.ok) return {mode, intent};
	return {mode: viewMode(context.mode), flash: decision.notReady ? `Enter blocked: ${decision.reason}` : sentence(decision.reason)};
};

/**
 * The phase on screen goes with the key: a screen a moment behind never confirms the next phase.
 * Confirming is the go for the next phase, so a moved cursor goes back to following the run.
 */
const confirm = (context: KeyContext): KeyOutcome =>
	ask(context, {type: 'confirm', phase: currentPhase(context.state)?.id}, context.mode.kind === 'cursor' ? normal : context.mode);

const typing = (mode: Extract<KeyMode, {kind: 'prompt'}>, input: string, key: Key): KeyOutcome => {
	const back = mode.back ?? normal;
	if (key.escape) return {mode: back};
	if (key.backspace || key.delete) return {mode: {...mode, text: mode.text.slice(0, -1)}};
	if (key.return) {
		const text = mode.text.trim();
		switch (mode.purpose) {
			case 'override':
				if (!text) return {mode, flash: 'An override needs a reason: type why it is safe to go on'};
				return {mode: back, intent: {type: 'override', reason: text}};
			case 'rollback':
				return {mode: back, intent: {type: 'rollback', reason: text || 'no reason given'}};
			case 'note':
				return text ? {mode: back, intent: {type: 'note', text}} : {mode: back};
		}
	}
	const added = typedText(input, key);
	return added ? {mode: {...mode, text: mode.text + added}} : {mode};
};

/** Pasted text arrives in one piece; control characters never reach a reason or a search. */
const typedText = (input: string, key: Key): string => {
	const printable = input.replace(/[\u0000-\u001f\u007f]/g, '');
	return !printable || key.ctrl || key.meta ? '' : printable;
};

/** The first line a log pane shows: the end while it follows, else where it was scrolled to (within the log). */
export const logTop = (scroll: LogScroll, extent: LogExtent): number => {
	const last = Math.max(0, extent.total - extent.rows);
	return scroll.follow ? last : Math.max(0, Math.min(scroll.top, last));
};

/** Scrolled to a line; reaching the end sticks to it, so new output keeps coming into view. */
export const scrollTo = (line: number, extent: LogExtent): LogScroll => {
	const last = Math.max(0, extent.total - extent.rows);
	const top = Math.max(0, Math.min(line, last));
	return {top, follow: top >= last};
};

const openStep = (phase: string, step: string, back: ItemRef | undefined): KeyMode => ({
	kind: 'detail',
	inspect: {phase, step, scroll: {top: 0, follow: true}, search: {}, back},
});

/** → on a phase enters it (its first step); on a step opens it. */
const open = (context: KeyContext, at: ItemRef, back: ItemRef | undefined): KeyOutcome => {
	if (at.step) return {mode: openStep(at.phase, at.step, back)};
	const first = findPhase(context.state, at.phase)?.steps[0];
	return first ? {mode: {kind: 'cursor', at: {phase: at.phase, step: first.id}}} : {mode: context.mode, flash: 'This phase has no steps'};
};

const moveBy = (key: Key, input: string): number => {
	if (key.upArrow || input === 'k') return -1;
	if (key.downArrow || input === 'j') return 1;
	return 0;
};

const isForward = (key: Key, input: string) => key.rightArrow || input === 'l';
const isBack = (key: Key, input: string) => key.escape || key.leftArrow || input === 'h';

const searchTyping = (mode: Extract<KeyMode, {kind: 'detail' | 'log'}>, context: KeyContext, input: string, key: Key): KeyOutcome => {
	const {inspect} = mode;
	const text = inspect.search.typing ?? '';
	const withSearch = (search: LogSearchState): KeyMode => ({...mode, inspect: {...inspect, search}});
	if (key.escape) return {mode: withSearch({...inspect.search, typing: undefined})};
	if (key.backspace || key.delete) return {mode: withSearch({...inspect.search, typing: text.slice(0, -1)})};
	// The last letters and Enter of a fast typist can arrive in one piece: "t\r" is "t", then Enter.
	const enter = input.search(/[\r\n]/);
	if (key.return || (enter > 0 && !key.ctrl && !key.meta)) {
		const last = enter > 0 ? typedText(input.slice(0, enter), key) : '';
		const typed = text + last;
		// An empty search repeats the last one, as in less.
		const query = typed.trim() ? typed : inspect.search.query;
		if (!query) return {mode: withSearch({typing: undefined})};
		const extent = context.log ?? {total: 0, rows: 1};
		return {
			mode: withSearch({query, typing: undefined}),
			search: {text: query, from: logTop(inspect.scroll, extent), backward: false},
		};
	}
	const added = typedText(input, key);
	return added ? {mode: withSearch({...inspect.search, typing: text + added})} : {mode};
};

/** Keys of the detail view and the full log: scrolling, searching, back. Undefined: not one of them. */
const inspectKey = (mode: Extract<KeyMode, {kind: 'detail' | 'log'}>, context: KeyContext, input: string, key: Key): KeyOutcome | undefined => {
	const {inspect} = mode;
	const extent = context.log ?? {total: 0, rows: 1};
	const top = logTop(inspect.scroll, extent);
	const page = Math.max(1, extent.rows - 1);
	const scrolled = (scroll: LogScroll): KeyOutcome => ({mode: {...mode, inspect: {...inspect, scroll}}});
	if (isBack(key, input)) {
		if (mode.kind === 'log') return {mode: {...mode, kind: 'detail'}};
		return {mode: inspect.back ? {kind: 'cursor', at: inspect.back} : normal};
	}
	if (isForward(key, input)) {
		return mode.kind === 'detail' ? {mode: {...mode, kind: 'log'}} : {mode, flash: 'This is the whole log: Esc goes back to the detail'};
	}
	const step = moveBy(key, input);
	if (step !== 0) return scrolled(scrollTo(top + step, extent));
	if (key.pageDown) return scrolled(scrollTo(top + page, extent));
	if (key.pageUp) return scrolled(scrollTo(top - page, extent));
	if (input === 'g' || key.home) return scrolled({top: 0, follow: extent.total <= extent.rows});
	if (input === 'G' || key.end) return scrolled({top, follow: true});
	if (input === '/') return {mode: {...mode, inspect: {...inspect, search: {...inspect.search, typing: ''}}}};
	if (input === 'n' || input === 'N') {
		const {query, match} = inspect.search;
		if (!query) return {mode, flash: 'Nothing searched yet: / searches the log'};
		if (extent.total === 0) return {mode, flash: `Not found: "${query}" (the log is empty)`};
		const backward = input === 'N';
		const from = backward ? (match ?? top) - 1 : match === undefined ? top : match + 1;
		return {mode, search: {text: query, from: (from + extent.total) % extent.total, backward}};
	}
	return undefined;
};

/** Keys are text now: a reason, a note or a search is being typed. */
const isTyping = (mode: KeyMode): boolean =>
	mode.kind === 'prompt' || ((mode.kind === 'detail' || mode.kind === 'log') && mode.inspect.search.typing !== undefined);

/**
 * The key presses in one piece of input. A terminal hands over what arrived together ("g/" from a
 * fast typist, "t\r" at the end of a search): outside typing each character is a key of its own; once
 * a question or a search is being typed, the rest is text for it, as a paste is. `mode` is asked
 * before each key, since every key may change it. `together`: the key came with others, so it may be
 * part of a paste; the view does not act on the release for it.
 */
export function* keyPresses(input: string, key: Key, mode: () => KeyMode): Generator<{input: string; key: Key; together: boolean}> {
	const plain = input.length > 1 && !key.ctrl && !key.meta && !key.escape && !input.includes('\u001B');
	if (!plain) {
		yield {input, key, together: false};
		return;
	}
	const characters = Array.from(input);
	for (const [index, character] of characters.entries()) {
		if (isTyping(mode())) {
			yield {input: characters.slice(index).join(''), key, together: false};
			return;
		}
		yield {input: character, key: character === '\r' ? {...key, return: true} : key, together: true};
	}
}

/** Said when a key that acts on the release came with others (a paste, say) and was not acted on. */
export const TOGETHER_REFUSED = 'Several keys arrived at once (a paste?): Enter, Space and the other release keys count only when pressed alone';

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
			return key.escape || input === '?' || input === 'q' ? {mode: mode.back ?? normal} : {mode};
		case 'quit':
			if (input === 'y' || input === 'Y') {
				return driver ? {mode: normal, intent: {type: 'quit'}, flash: 'Stopping…'} : {mode: normal, exit: true};
			}
			return {mode: mode.back ?? normal};
		case 'detail':
		case 'log': {
			if (mode.inspect.search.typing !== undefined) return searchTyping(mode, context, input, key);
			const handled = inspectKey(mode, context, input, key);
			if (handled) return handled;
			break;
		}
		case 'cursor': {
			const delta = moveBy(key, input);
			if (delta !== 0) return {mode: {kind: 'cursor', at: moveCursor(state, mode.at, delta)}};
			if (isForward(key, input)) return open(context, mode.at, mode.at);
			// Back to following the run: the cursor goes with the current step again.
			if (isBack(key, input)) return {mode: normal};
			break;
		}
		case 'normal': {
			const delta = moveBy(key, input);
			if (delta !== 0) return {mode: {kind: 'cursor', at: moveCursor(state, defaultItem(state), delta)}};
			if (isForward(key, input)) return open(context, defaultItem(state), undefined);
			break;
		}
	}
	return actionKey(context, input, key);
};

/** The keys that act on the release (or ask first), the same in every view. */
const actionKey = (context: KeyContext, input: string, key: Key): KeyOutcome => {
	const {state, role, mode} = context;
	const driver = role === 'driver';
	const inspecting = mode.kind === 'detail' || mode.kind === 'log';
	if (key.return) return confirm(context);
	if (input === '?') return {mode: {kind: 'help', back: mode}};
	if (input === 'q') return {mode: {kind: 'quit', back: mode}};
	// In the detail view n is the next match; notes are added from the checklist.
	if (input === 'n' && !inspecting) return {mode: {kind: 'prompt', purpose: 'note', text: '', back: mode}};
	if (!driver) {
		return input.trim() ? {mode, flash: 'Pair view: Enter confirms, n adds a note, ↑↓ and → inspect, q leaves'} : {mode};
	}
	switch (input) {
		case ' ':
			return ask(context, {type: 'tick'});
		case 't':
			return ask(context, {type: 'retry'});
		case 'r': {
			// Ask now whether a rollback is possible: the reason is typed only when it is.
			const possible = ask(context, {type: 'rollback', reason: ''});
			return possible.intent ? {mode: {kind: 'prompt', purpose: 'rollback', text: '', back: mode}} : possible;
		}
		case 'o': {
			const failing = stuckStep(state)?.step.status === 'failed';
			return failing ? {mode: {kind: 'prompt', purpose: 'override', text: '', back: mode}} : ask(context, {type: 'override', reason: ''});
		}
		case 'R':
		case 'D':
		case 'F':
			return ask(context, {type: 'decide', decision: input === 'R' ? 'rerun' : input === 'D' ? 'done' : 'failed'});
		default:
			return {mode};
	}
};
