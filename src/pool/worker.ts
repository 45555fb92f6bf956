// The shared pool as a mocha worker opens it (from uber test's settings): leases log to this machine's audit.
import path from 'node:path';
import type { HeldLease } from '../lease/lease.js';
import type { PluginSettings, SharedSettings } from '../mocha/settings.js';
import { whoAmI } from '../util/machine.js';
import { openSharedPool } from './open.js';
import type { SharedPool } from './pool.js';
import { parsePoolSpec } from './spec.js';

export function workerPool(s: PluginSettings, shared: SharedSettings, onLost: (lease: HeldLease) => void): SharedPool {
  const spec = parsePoolSpec(shared.spec);
  if (spec.kind !== 'dynamodb') throw new Error(`uber test handed its workers the pool "${shared.spec}", which is not a shared one`);
  return openSharedPool({
    spec,
    env: process.env,
    profiles: s.pool,
    leaseMs: shared.leaseMs,
    who: whoAmI(process.env),
    audit: path.join(s.leaseDir, 'audit.jsonl'),
    run: s.runId,
    cleanup: shared.cleanup,
    cwd: s.testCwd,
    onLost,
  });
}
