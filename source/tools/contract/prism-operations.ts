import {z} from 'zod';
import {requireFromPrismCli} from './prism-install.js';

// The operations of an OpenAPI document as Prism itself reads them (refs resolved, `example` folded
// into `examples`); only what the suite uses.

const exampleSchema = z.looseObject({value: z.unknown().optional()});
const valueSchema = z.looseObject({
	example: z.unknown().optional(),
	examples: z.unknown().optional(),
	enum: z.array(z.unknown()).optional(),
	default: z.unknown().optional(),
});
const parameterSchema = z.looseObject({
	name: z.string(),
	required: z.boolean().optional(),
	examples: z.array(exampleSchema).optional(),
	schema: valueSchema.optional(),
});
const securitySchemeSchema = z.looseObject({
	type: z.string(),
	scheme: z.string().optional(),
	in: z.string().optional(),
	name: z.string().optional(),
});
const operationSchema = z.looseObject({
	method: z.string(),
	path: z.string(),
	request: z
		.looseObject({
			path: z.array(parameterSchema).optional(),
			query: z.array(parameterSchema).optional(),
			headers: z.array(parameterSchema).optional(),
			body: z
				.looseObject({
					contents: z
						.array(z.looseObject({mediaType: z.string(), examples: z.array(exampleSchema).optional(), schema: valueSchema.optional()}))
						.optional(),
				})
				.optional(),
		})
		.optional(),
	security: z.array(z.array(securitySchemeSchema)).optional(),
});
export type Operation = z.infer<typeof operationSchema>;
export type Parameter = z.infer<typeof parameterSchema>;
export type JsonSchema = z.infer<typeof valueSchema>;
export type SecurityScheme = z.infer<typeof securitySchemeSchema>;

export const readOperations = async (openapi: string): Promise<Operation[]> => {
	// Prism's own parser, so the suite asks exactly about the operations Prism validates against.
	const prismHttp = requireFromPrismCli()('@stoplight/prism-http') as {getHttpOperationsFromSpec: (spec: string) => Promise<unknown>};
	const parsed = z.array(operationSchema).safeParse(await prismHttp.getHttpOperationsFromSpec(openapi));
	if (!parsed.success) throw new Error(`cannot read the operations of ${openapi}: ${parsed.error.message}`);
	return parsed.data;
};
