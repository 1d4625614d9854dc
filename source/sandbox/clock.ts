// The sandbox's timestamps, to the second and in UTC, as Fly's API prints them.

export const isoSeconds = (date: Date): string => date.toISOString().replace(/\.\d+Z$/, 'Z');

export const isoNow = (): string => isoSeconds(new Date());
