import path from 'node:path';
import {beforeAll, describe, expect, test} from 'vitest';
import {planLoad} from '../../../source/adapters/load/load-plan.js';
import {readOperations, type Operation} from '../../../source/adapters/openapi/operations.js';

// Which requests a synthetic load sends: the OpenAPI file's safe operations, filled in from its examples.

const sandboxApi = path.resolve(import.meta.dirname, '..', '..', '..', 'source', 'sandbox', 'api.openapi.yaml');
let operations: Operation[];

beforeAll(async () => {
	operations = await readOperations(sandboxApi);
}, 60_000);

describe('the load plan', () => {
	test('given no names, then every GET operation the examples fill is sent, and the POST is skipped as not safe', () => {
		const plan = planLoad(operations);
		expect(plan.ok && plan.requests.map((request) => request.label)).toEqual(['GET /health', 'GET /v1/tenants/baeckerei-schmidt/points', 'GET /v1/rewards']);
		expect(plan.ok && plan.skipped).toEqual(['verifyToken: POST is not a safe method (name it in "operations" to send it)']);
	});

	test('given names, then exactly those operations are sent in that order, a POST with its example body', () => {
		const plan = planLoad(operations, ['listRewards', 'verifyToken']);
		expect(plan.ok && plan.requests.map((request) => [request.label, request.body ?? null])).toEqual([
			['GET /v1/rewards', null],
			['POST /v1/tokens/verify', '{"token":"baeckerei-schmidt.k2f9a7"}'],
		]);
	});

	test('given a body for a named operation, then it is sent as written instead of the example', () => {
		const plan = planLoad(operations, ['verifyToken'], {bodies: {verifyToken: '{"token": "test-tenant.valid"}'}});
		expect(plan.ok && plan.requests[0]).toMatchObject({method: 'POST', path: '/v1/tokens/verify', body: '{"token": "test-tenant.valid"}', headers: {'content-type': 'application/json'}});
	});

	test('given a name the file lacks, then the plan says which operationIds it has', () => {
		expect(planLoad(operations, ['listRewardz'])).toEqual({
			ok: false,
			reason: 'operation "listRewardz" is not in the OpenAPI file (operationIds: health, getTenantPoints, verifyToken, listRewards)',
		});
	});

	test('given a file whose GET operations cannot be filled, then there is nothing to send and it says why', () => {
		const unfillable = operations.filter((operation) => operation.iid === 'getTenantPoints').map((operation) => ({...operation, request: {path: [{name: 'tenantId', required: true}]}}));
		const plan = planLoad(unfillable);
		expect(plan.ok).toBe(false);
		expect(!plan.ok && plan.reason).toContain('path parameter "tenantId" has no example');
	});
});
