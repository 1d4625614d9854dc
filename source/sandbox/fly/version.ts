import type {ParsedFly} from './parse-argv.js';
import {pretty} from './output.js';

// Fake `fly version`: says it is greenlight's rehearsal stand-in, not a flyctl release.

export const version = (flags: ParsedFly['flags']): string =>
	flags.json === true ? pretty({Version: '0.3.0', Commit: 'rehearsal', BuildDate: '2025-01-01T00:00:00Z'}) : 'fly v0.3.0 (greenlight rehearsal stand-in)\n';
