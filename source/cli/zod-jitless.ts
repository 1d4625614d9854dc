import {config} from 'zod';

// Zod 4 compiles a parser (new Function) for each object schema on its first parse: a gain for a
// schema parsed thousands of times, a loss for greenlight, which parses a runbook once before its
// first frame (about 35 ms of 100 measured on a 2-core machine) and then a handful of events and
// messages a second. Set before any schema is built: zod decides per schema when it is constructed.
config({jitless: true});
