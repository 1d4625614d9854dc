import {mkdtempSync, rmSync} from 'node:fs';
import {request} from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {SANDBOX_CONFIG_FILES} from '../../source/sandbox/fly/app-config.js';
import {SANDBOX_APPS, startSandbox, type Sandbox} from '../../source/sandbox/sandbox.js';
import {REHEARSAL_SPEED} from '../../source/cli/usage.js';

export type SandboxFixture = {
	sandbox: Sandbox;
	sessionDir: string;
	fly: (args: string[], input?: string) => Promise<{exitCode: number; stdout: string; stderr: string}>;
	dispose: () => Promise<void>;
};

/** A real sandbox in a fresh session folder; `fly` runs the stand-in through the bin dir on PATH. */
export const openSandbox = async (scenario?: string): Promise<SandboxFixture> => {
	const sessionDir = mkdtempSync(path.join(os.tmpdir(), 'greenlight-sandbox-'));
	const sandbox = await startSandbox({sessionDir, scenario, speed: REHEARSAL_SPEED});
	return {
		sandbox,
		sessionDir,
		fly: async (args, input) => {
			const result = await execa('fly', args, {env: sandbox.env, input, reject: false, timeout: 60_000});
			return {exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr)};
		},
		dispose: async () => {
			await sandbox.stop();
			rmSync(sessionDir, {recursive: true, force: true});
		},
	};
};

/** A sandbox in which green runs GREEN_IMAGE, deployed with its own fly.toml: where the lever has something to shift to. */
export const openSandboxWithGreen = async (): Promise<SandboxFixture> => {
	const fixture = await openSandbox();
	const deployed = await fixture.fly(['deploy', '--config', SANDBOX_CONFIG_FILES.green, '--app', SANDBOX_APPS.green, '--image', GREEN_IMAGE]);
	if (deployed.exitCode !== 0) {
		await fixture.dispose();
		throw new Error(`fly deploy of green failed: ${deployed.stderr}`);
	}
	return fixture;
};

/** `ms` is the wall clock; `serviceMs` the machine's modelled service time (Server-Timing), free of the test host's delays. */
export type Answer = {status: number; body: string; servedBy?: string; colour?: string; ms: number; serviceMs: number};

/** One request with a fresh connection, so the answer says which machine served it. */
export const call = (base: string, pathname: string, init: {method?: string; body?: string} = {}): Promise<Answer> =>
	new Promise((resolve, reject) => {
		const url = new URL(pathname, base);
		const started = Date.now();
		const outgoing = request(
			{host: url.hostname, port: url.port, path: url.pathname, method: init.method ?? 'GET', agent: false, headers: init.body ? {'content-type': 'application/json'} : {}},
			(response) => {
				const chunks: Buffer[] = [];
				response.on('data', (chunk: Buffer) => chunks.push(chunk));
				response.on('end', () =>
					resolve({
						status: response.statusCode ?? 0,
						body: Buffer.concat(chunks).toString('utf8'),
						servedBy: response.headers['x-served-by'] as string | undefined,
						colour: response.headers['x-colour'] as string | undefined,
						ms: Date.now() - started,
						serviceMs: serverTiming(response.headers['server-timing']) ?? Number.NaN,
					}),
				);
			},
		);
		outgoing.on('error', reject);
		outgoing.end(init.body);
	});

/** `app;dur=23.4` → 23.4. */
const serverTiming = (header: string | string[] | undefined): number | undefined => {
	const match = /dur=([\d.]+)/.exec(String(header ?? ''));
	return match ? Number(match[1]) : undefined;
};

export const countBy = <T>(items: T[], key: (item: T) => string | undefined): Record<string, number> => {
	const counts: Record<string, number> = {};
	for (const item of items) {
		const name = key(item) ?? 'none';
		counts[name] = (counts[name] ?? 0) + 1;
	}
	return counts;
};

export const GREEN_IMAGE = 'registry.fly.io/lokaltreu-api:2.4.0';
