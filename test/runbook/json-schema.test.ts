import {readFileSync, writeFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {runbookJsonSchema} from '../../source/runbook/json-schema.js';

const committed = 'runbook.schema.json';
const generated = () => `${JSON.stringify(runbookJsonSchema(), null, 2)}\n`;

// Regenerate with: UPDATE_RUNBOOK_SCHEMA=1 npx vitest run test/runbook/json-schema.test.ts
if (process.env.UPDATE_RUNBOOK_SCHEMA === '1') writeFileSync(committed, generated());

type JsonObject = Record<string, unknown>;
const objectAt = (schema: unknown, ...keys: string[]): JsonObject =>
	keys.reduce<JsonObject>((node, key) => node[key] as JsonObject, schema as JsonObject);

describe('runbook JSON Schema', () => {
	it('given the zod runbook schema, then the committed runbook.schema.json equals the generated one', () => {
		expect(readFileSync(committed, 'utf8'), 'regenerate with UPDATE_RUNBOOK_SCHEMA=1 (see this test file)').toBe(generated());
	});

	it('is named, closed to unknown keys, and requires only what has no default', () => {
		const schema = runbookJsonSchema();
		expect(schema).toMatchObject({$id: 'urn:greenlight:runbook:v1', title: expect.stringContaining('runbook'), additionalProperties: false});
		expect(schema.required).toEqual(['title', 'phases']);
		const phase = objectAt(schema, 'properties', 'phases', 'items');
		expect(phase.required).toEqual(['id', 'title', 'steps']);
		expect(phase.additionalProperties).toBe(false);
	});

	it('carries the field descriptions written in the zod schema', () => {
		const confirm = objectAt(runbookJsonSchema(), 'properties', 'phases', 'items', 'properties', 'confirm');
		expect(confirm.description).toMatch(/four eyes/);
		expect(confirm.enum).toEqual(['operator', 'pair']);
	});
});
