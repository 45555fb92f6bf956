// Helpers for plugin tests: fixture AWS profile files, dynalite accounts, and a real `mocha --parallel` run with the plugin.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import dynalite from 'dynalite';
import { settingsToEnv } from '../../src/mocha/settings.js';
import { readAttempt, type AttemptRecords } from '../../src/testrun/results.js';
import { mochaBin } from '../../src/testrun/argv.js';

export const repo = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const fixtures = path.join(repo, 'test', 'fixtures', 'suites');

export async function startDynalite(): Promise<{ server: Server; url: string }> {
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** An AWS config file with one profile per entry (static fake keys, own endpoint when given). */
export function profileFiles(dir: string, profiles: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const config = Object.entries(profiles)
    .map(([name, endpoint]) => `[profile ${name}]\nregion = us-east-1\n${endpoint ? `endpoint_url = ${endpoint}\n` : ''}`)
    .join('\n');
  const creds = Object.keys(profiles)
    .map((name) => `[${name}]\naws_access_key_id = AKIA${name.toUpperCase().replace(/[^A-Z0-9]/g, '')}\naws_secret_access_key = secret-${name}\n`)
    .join('\n');
  writeFileSync(path.join(dir, 'config'), config);
  writeFileSync(path.join(dir, 'credentials'), creds);
  return { AWS_CONFIG_FILE: path.join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'credentials') };
}

export interface PluginRun {
  code: number | null;
  output: string;
  records: AttemptRecords;
  samples: Record<string, unknown>[];
  leaseDir: string;
}

/** Runs fixture files under mocha --parallel with uber's plugin (from src, through tsx), no rc file. */
export async function runWithPlugin(files: string[], o: { dir: string; pool: string[]; env: NodeJS.ProcessEnv; scope?: 'test' | 'file'; leaseTimeoutMs?: number; mochaTimeoutMs?: number; jobs?: number; reporter?: string }): Promise<PluginRun> {
  const leaseDir = path.join(o.dir, 'leases');
  const runDir = mkdtempSync(path.join(o.dir, 'run-'));
  const samples = path.join(o.dir, 'samples.jsonl');
  const argv = [mochaBin(), '--no-config', '--parallel', '--jobs', String(o.jobs ?? 2), '--require', createRequire(import.meta.url).resolve('tsx'), '--require', path.join(repo, 'src/mocha/plugin.ts'), '--timeout', String(o.mochaTimeoutMs ?? 5000), '--reporter', o.reporter ?? 'dot', ...files];
  const env = {
    PATH: process.env.PATH,
    HOME: o.dir,
    ...o.env,
    ...settingsToEnv({ leaseDir, pool: o.pool, scope: o.scope ?? 'test', timeoutMs: o.leaseTimeoutMs ?? 30_000, staleMs: undefined, runDir, testCwd: fixtures }),
    UBER_CLIENT_MODULE: path.join(repo, 'src/mocha/client.ts'),
    SAMPLES_FILE: samples,
  };
  const child = spawn(process.execPath, argv, { cwd: fixtures, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const lines = existsSync(samples) ? readFileSync(samples, 'utf8').split('\n').filter(Boolean) : [];
  return { code, output, records: readAttempt(runDir), samples: lines.map((l) => JSON.parse(l) as Record<string, unknown>), leaseDir };
}

export { tmp } from '../support/tmp.js';
