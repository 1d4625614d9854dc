import {z} from 'zod';
import {Runbook} from './schema.js';

// The runbook format as JSON Schema, so editors complete and check runbook.json through its "$schema".

export const RUNBOOK_SCHEMA_ID = 'urn:greenlight:runbook:v1';

/** JSON Schema of what a person writes (the input side: fields with defaults are optional). */
export const runbookJsonSchema = (): Record<string, unknown> => {
	const {$schema, ...schema} = z.toJSONSchema(Runbook, {io: 'input', target: 'draft-2020-12'}) as Record<string, unknown>;
	return {
		$schema,
		$id: RUNBOOK_SCHEMA_ID,
		title: 'greenlight runbook (format v1)',
		description:
			'A release runbook for greenlight: phases of steps (manual, command, http, watch, traffic, link, export), metrics with gates, a rollback and targets. Unknown keys are errors.',
		...schema,
	};
};
