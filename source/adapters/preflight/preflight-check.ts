// One line of a preflight: what was checked, whether it holds, and the cause a person can act on.

export type CheckStatus = 'passed' | 'failed' | 'skipped';

export type PreflightCheck = {status: CheckStatus; subject: string; detail: string};

export const passed = (subject: string, detail: string): PreflightCheck => ({status: 'passed', subject, detail});
export const failed = (subject: string, detail: string): PreflightCheck => ({status: 'failed', subject, detail});
/** Not probed, and why: it neither passes nor fails the preflight. */
export const skipped = (subject: string, detail: string): PreflightCheck => ({status: 'skipped', subject, detail});

const marks: Record<CheckStatus, string> = {passed: '✓', failed: '✗', skipped: '–'};

export const checkLine = (check: PreflightCheck): string => `${marks[check.status]} ${check.subject}: ${check.detail}`;

/** "a, b, c and 4 more": who needs a thing, short enough for one line. */
export const listed = (names: readonly string[], shown = 3): string =>
	names.length <= shown ? names.join(', ') : `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;
