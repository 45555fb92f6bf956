// Shared parts of the demo flows: drive node dist/bin.js, and look into sandbox accounts through the AWS SDK.
import { DynamoDBClient, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDemoWorkspace, linkTestDeps } from '../../scripts/demo-workspace.mjs';
import { readProfiles } from '../../src/aws/profiles.js';
import { sandboxEnv } from '../../src/sandbox/aws-files.js';
import { readAudit, type AuditRecord } from '../../src/lease/audit.js';
import { sandboxFiles } from '../../src/sandbox/layout.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'; // Node 20 is supported by the SDK versions we pin

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const BIN = path.join(ROOT, 'dist', 'bin.js');

export interface Ran {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/** A scrubbed environment: no real AWS settings, no CI variables, a throwaway HOME. */
export function baseEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, LANG: process.env.LANG, HOME: home, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...extra };
}

/** Runs a node script (uber's binary by default) and collects its output. */
export function runNode(args: readonly string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), opts.timeoutMs ?? 150_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

export const uber = (args: readonly string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Ran> => runNode([BIN, ...args], opts);

/** A demo workspace in a temp folder, with a sandbox of `accounts` accounts running and its AWS files in env. */
export interface Flow {
  readonly root: string;
  readonly work: string;
  readonly sandboxDir: string;
  env: NodeJS.ProcessEnv;
  uber(args: readonly string[]): Promise<Ran>;
  linkTests(): void;
  cleanup(): Promise<void>;
}

export async function startFlow(opts: { accounts: number; deployCommand?: string }): Promise<Flow> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'uber-e2e-flow-'));
  const work = path.join(root, 'work');
  await createDemoWorkspace(work, opts.deployCommand ? { deployCommand: opts.deployCommand } : {});
  const sandboxDir = path.join(work, '.uber', 'sandbox');
  const flow: Flow = {
    root,
    work,
    sandboxDir,
    env: baseEnv(path.join(root, 'home')),
    uber: (args) => uber(args, { cwd: work, env: flow.env }),
    linkTests: () => linkTestDeps(path.join(work, 'repos', 'tests')),
    cleanup: async () => {
      await uber(['sandbox', 'down', '--dir', sandboxDir], { cwd: work, env: flow.env });
      rmSync(root, { recursive: true, force: true });
    },
  };
  const up = await flow.uber(['sandbox', 'up', '--accounts', String(opts.accounts), '--in-memory']);
  if (up.code !== 0) throw new Error(`sandbox up failed: ${up.err}`);
  flow.env = { ...flow.env, ...sandboxEnv(sandboxFiles(sandboxDir)) };
  return flow;
}

/** A client per sandbox profile, built from the profile files uber wrote (explicit endpoint, region and keys). */
export function accountClients(sandboxDir: string): Map<string, DynamoDBClient> {
  const out = new Map<string, DynamoDBClient>();
  for (const p of readProfiles(sandboxEnv(sandboxFiles(sandboxDir))).values()) {
    out.set(
      p.name,
      new DynamoDBClient({
        region: p.region ?? 'us-east-1',
        endpoint: p.endpointUrl,
        credentials: { accessKeyId: p.accessKeyId ?? '', secretAccessKey: p.secretAccessKey ?? '' },
      }),
    );
  }
  return out;
}

/** The services' tables in an account: uber's own deploy record table (deploy.recordTable) aside. */
export async function tablesIn(client: DynamoDBClient): Promise<string[]> {
  return ((await client.send(new ListTablesCommand({}))).TableNames ?? []).filter((t) => t !== 'uber-deploys').sort();
}

/** How many items each test wrote into this account (the demo tests tag every item with writtenBy = fullTitle). */
export async function writesIn(client: DynamoDBClient): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const table of await tablesIn(client)) {
    const { Items = [] } = await client.send(new ScanCommand({ TableName: table }));
    for (const item of Items) {
      const by = item.writtenBy?.S;
      if (by) counts.set(by, (counts.get(by) ?? 0) + 1);
    }
  }
  return counts;
}

/** A lease as uber's audit log records it (the checker below is the test's own, independent of uber's). */
export type AuditLine = AuditRecord;

/** The tests' leases in the audit (a deploy's hold on an account is logged too, with kind "deploy"). */
export function readAuditLines(work: string): AuditLine[] {
  return readAudit(path.join(work, '.uber', 'leases', 'audit.jsonl')).filter((l) => l.kind !== 'deploy');
}

/** Pairs of leases of one profile that were held at the same time (by distinct lease ids). */
export function overlappingLeases(lines: readonly AuditLine[]): Array<[AuditLine, AuditLine]> {
  const out: Array<[AuditLine, AuditLine]> = [];
  const sorted = [...lines].sort((a, b) => a.start - b.start);
  for (const [i, a] of sorted.entries()) {
    for (const b of sorted.slice(i + 1)) {
      if (b.profile === a.profile && b.leaseId !== a.leaseId && b.start < a.end) out.push([a, b]);
    }
  }
  return out;
}

/** Most leases held at once across all profiles. */
export function peakConcurrency(lines: readonly AuditLine[]): number {
  const events = lines.flatMap((l) => [[l.start, 1] as const, [l.end, -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, d] of events) peak = Math.max(peak, (now += d));
  return peak;
}

export interface TestRun {
  profiles: string[];
  jobs: number;
  tests: Array<{ file: string; title: string; fullTitle: string; state: string; profile: string | null; leaseWaitMs: number }>;
  files: Array<{ file: string; state: string }>;
}

export function readTestRun(work: string): TestRun {
  return JSON.parse(readFileSync(path.join(work, '.uber', 'reports', 'tests.json'), 'utf8')) as TestRun;
}
