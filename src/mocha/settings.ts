// What `uber test` tells its mocha workers, through environment variables (the only channel into a worker).
import path from 'node:path';

export interface PluginSettings {
  readonly leaseDir: string;
  readonly pool: string[];
  readonly scope: 'test' | 'file';
  readonly timeoutMs: number;
  readonly staleMs: number | undefined;
  /** Where each worker writes its per-file records (absent: leasing only, no records). */
  readonly runDir: string | undefined;
  /** Spec paths in records are relative to this folder. */
  readonly testCwd: string;
  /** The uber run these workers belong to; tags every lease's audit line. */
  readonly runId?: string | undefined;
  /** A shared pool (--pool dynamodb:<profile>/<table>) instead of the lock files; leases still log to leaseDir's audit. */
  readonly shared?: SharedSettings | undefined;
}

export interface SharedSettings {
  readonly spec: string;
  readonly leaseMs: number;
  /** test.poolCleanup, the argv template run before an account taken back from a dead holder is used again. */
  readonly cleanup?: string | undefined;
}

export const ENV = {
  leaseDir: 'UBER_LEASE_DIR',
  pool: 'UBER_LEASE_POOL',
  scope: 'UBER_LEASE_SCOPE',
  timeoutMs: 'UBER_LEASE_TIMEOUT_MS',
  staleMs: 'UBER_LEASE_STALE_MS',
  runDir: 'UBER_RUN_DIR',
  testCwd: 'UBER_TEST_CWD',
  runId: 'UBER_RUN_ID',
  shared: 'UBER_LEASE_SHARED',
} as const;

export function settingsToEnv(s: PluginSettings): Record<string, string> {
  const env: Record<string, string> = {
    [ENV.leaseDir]: s.leaseDir,
    [ENV.pool]: JSON.stringify(s.pool),
    [ENV.scope]: s.scope,
    [ENV.timeoutMs]: String(s.timeoutMs),
    [ENV.testCwd]: s.testCwd,
  };
  if (s.staleMs !== undefined) env[ENV.staleMs] = String(s.staleMs);
  if (s.runDir) env[ENV.runDir] = s.runDir;
  if (s.runId) env[ENV.runId] = s.runId;
  if (s.shared) env[ENV.shared] = JSON.stringify(s.shared);
  return env;
}

/** Settings from the worker's environment; undefined when the plugin runs outside `uber test`. */
export function settingsFromEnv(env: NodeJS.ProcessEnv): PluginSettings | undefined {
  const leaseDir = env[ENV.leaseDir];
  const poolText = env[ENV.pool];
  if (!leaseDir || !poolText) return undefined;
  const pool = JSON.parse(poolText) as string[];
  const stale = Number(env[ENV.staleMs]);
  const sharedText = env[ENV.shared];
  return {
    leaseDir,
    pool,
    scope: env[ENV.scope] === 'file' ? 'file' : 'test',
    timeoutMs: Number(env[ENV.timeoutMs]) || 0,
    staleMs: Number.isFinite(stale) && stale > 0 ? stale : undefined,
    runDir: env[ENV.runDir] || undefined,
    testCwd: env[ENV.testCwd] || process.cwd(),
    runId: env[ENV.runId] || undefined,
    shared: sharedText ? (JSON.parse(sharedText) as SharedSettings) : undefined,
  };
}

/** A spec path as uber keys it: relative to the test cwd, '/'-separated. */
export function specKey(file: string | undefined, testCwd: string): string | null {
  if (!file) return null;
  return path.relative(testCwd, file).replaceAll('\\', '/');
}
