import {Worker} from 'node:worker_threads';
import {z} from 'zod';
import {prismCliManifest} from './prism-install.js';

// The operations of an OpenAPI document as Prism itself reads them (refs resolved, `example` folded
// into `examples`); only what the contract suite and the synthetic load use.

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
	/** The operationId, when the document gives one. */
	iid: z.string().optional(),
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

// Loading Prism's parser takes seconds on a busy machine and would freeze greenlight's own thread
// (the screen, the sandbox's servers) meanwhile: it runs in a worker. Prism's operations module
// alone is enough; its package entry would load the whole mock server too.
const workerSource = `
const {parentPort, workerData} = require('node:worker_threads');
const {createRequire} = require('node:module');
const requirePrism = createRequire(workerData.prismCli);
let parser;
try {
	parser = requirePrism('@stoplight/prism-http/dist/utils/operations');
} catch {
	parser = requirePrism('@stoplight/prism-http');
}
parser.getHttpOperationsFromSpec(workerData.openapi).then(
	(operations) => parentPort.postMessage({operations: JSON.parse(JSON.stringify(operations))}),
	(error) => parentPort.postMessage({error: String((error && error.message) || error)}),
);
`;

export const readOperations = (openapi: string): Promise<Operation[]> =>
	new Promise((resolve, reject) => {
		const worker = new Worker(workerSource, {eval: true, workerData: {prismCli: prismCliManifest(), openapi}});
		let settled = false;
		const settle = (done: () => void) => {
			if (settled) return;
			settled = true;
			done();
			void worker.terminate();
		};
		worker.once('message', (message: {operations?: unknown; error?: string}) => {
			if (message.error !== undefined) return settle(() => reject(new Error(`cannot read the operations of ${openapi}: ${message.error}`)));
			const parsed = z.array(operationSchema).safeParse(message.operations);
			settle(() => (parsed.success ? resolve(parsed.data) : reject(new Error(`cannot read the operations of ${openapi}: ${parsed.error.message}`))));
		});
		worker.once('error', (error) => settle(() => reject(new Error(`cannot read the operations of ${openapi}: ${error.message}`))));
		worker.once('exit', (code) => settle(() => reject(new Error(`cannot read the operations of ${openapi}: the reader stopped (exit ${code})`))));
	});
