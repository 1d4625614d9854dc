import {durationPattern} from './schema.js';

const unitMs = {ms: 1, s: 1000, m: 60_000, h: 3_600_000} as const;

/** "90s" → 90000. The schema has already checked the form; a bad one here is a programming error. */
export const parseDuration = (text: string): number => {
	const match = durationPattern.exec(text);
	if (!match) throw new Error(`not a duration: ${text}`);
	return Number(match[1]) * unitMs[match[2] as keyof typeof unitMs];
};

/** 125000 → "2m05s", for elapsed and remaining times on screen. */
export const formatDuration = (ms: number): string => {
	const total = Math.max(0, Math.round(ms / 1000));
	const hours = Math.floor(total / 3600);
	const minutes = Math.floor((total % 3600) / 60);
	const seconds = total % 60;
	if (hours > 0) return `${hours}h${String(minutes).padStart(2, '0')}m`;
	if (minutes > 0) return `${minutes}m${String(seconds).padStart(2, '0')}s`;
	return `${seconds}s`;
};
