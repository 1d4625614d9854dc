// What a person can ask for. Components send intents; the driver decides and emits events.

export type Intent =
	/** Enter: confirm the current phase (first or second confirmation); `phase` is the one on screen. */
	| {type: 'confirm'; phase?: string}
	/** Space: tick the manual step (or the next item of a linked checklist) awaiting the operator. */
	| {type: 'tick'}
	/** t: run the failed step (or the watch) again. */
	| {type: 'retry'}
	/** r, after its confirmation: run the rollback steps. */
	| {type: 'rollback'; reason: string}
	/** o: break-glass override of the failing step, with a typed reason. */
	| {type: 'override'; reason: string}
	/** n: a note for the journal and the release record. */
	| {type: 'note'; text: string}
	/** For a step whose outcome is unknown after a crash. */
	| {type: 'decide'; decision: 'rerun' | 'done' | 'failed'}
	/** q, after its confirmation: stop; the session can be resumed. */
	| {type: 'quit'};

/** What became of an intent: refused ones say why, for the screen. */
export type IntentResult = {ok: true} | {ok: false; reason: string};

/** Sends an intent; a driver answers at once, a pair's inbox cannot (void). */
export type SendIntent = (intent: Intent) => IntentResult | void;
