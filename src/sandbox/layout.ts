// The sandbox's shape on disk and per account: file names, profiles, regions, fake keys, runtime record.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Regions handed out in order, so every account has its own (wraps after the list). */
export const REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-2', 'eu-central-1', 'us-west-2', 'ca-central-1', 'ap-northeast-1', 'sa-east-1'] as const;
export const DEFAULT_BASE_PORT = 4567;
export const MAX_ACCOUNTS = 32;

/** One local account as the server runs it. */
export interface SandboxAccount {
  readonly profile: string;
  readonly region: string;
  readonly accountId: string;
  readonly port: number;
  readonly endpoint: string;
  /** LevelDB folder, or null when the account lives in memory. */
  readonly dataDir: string | null;
}

/** What the running server writes once every account listens (server.json). */
export interface SandboxRuntime {
  readonly version: 1;
  readonly pid: number;
  readonly startedAt: string;
  readonly dir: string;
  readonly inMemory: boolean;
  readonly accounts: readonly SandboxAccount[];
}

export interface SandboxFiles {
  readonly dir: string;
  readonly pid: string;
  readonly runtime: string;
  readonly log: string;
  readonly lock: string;
  readonly data: string;
  readonly awsConfig: string;
  readonly awsCredentials: string;
}

export function sandboxFiles(dir: string): SandboxFiles {
  const abs = path.resolve(dir);
  return {
    dir: abs,
    pid: path.join(abs, 'server.pid'),
    runtime: path.join(abs, 'server.json'),
    log: path.join(abs, 'server.log'),
    lock: path.join(abs, 'sandbox.lock'),
    data: path.join(abs, 'data'),
    awsConfig: path.join(abs, 'aws', 'config'),
    awsCredentials: path.join(abs, 'aws', 'credentials'),
  };
}

/** Identity of account n (1-based): profile name, region, a 12-digit account id. */
export function accountIdentity(n: number): { profile: string; region: string; accountId: string } {
  return { profile: `sandbox-${n}`, region: REGIONS[(n - 1) % REGIONS.length]!, accountId: String(100000000000 + n) };
}

/** Fake but well-formed keys, stable per profile so re-runs write the same files. */
export function fakeKeys(profile: string): { accessKeyId: string; secretAccessKey: string } {
  const digest = createHash('sha256').update(`uber-sandbox:${profile}`).digest();
  const id = digest.toString('hex').toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 16);
  return { accessKeyId: `AKIA${id}`, secretAccessKey: digest.toString('base64').replace(/[+/=]/g, 'x').slice(0, 40) };
}

export function readPid(files: SandboxFiles): number | undefined {
  if (!existsSync(files.pid)) return undefined;
  const pid = Number(readFileSync(files.pid, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function readRuntime(files: SandboxFiles): SandboxRuntime | undefined {
  if (!existsSync(files.runtime)) return undefined;
  try {
    const r = JSON.parse(readFileSync(files.runtime, 'utf8')) as SandboxRuntime;
    return r.version === 1 ? r : undefined;
  } catch {
    return undefined;
  }
}
