// The lease of the running test, shared between the plugin and the client helper even when loaded twice (src + dist).
import type { HeldLease } from '../lease/lease.js';

interface Slot {
  lease: HeldLease | undefined;
}

const KEY = Symbol.for('uber.mocha.lease-slot');

export function slot(): Slot {
  const g = globalThis as Record<symbol, Slot | undefined>;
  g[KEY] ??= { lease: undefined };
  return g[KEY];
}

/** The lease of the running test (or file, with --lease-scope file); throws outside a lease. */
export function currentLease(): HeldLease {
  const lease = slot().lease;
  if (!lease) throw new Error('No uber lease is active here; run the suite with `uber test --parallel` and use clients inside tests (or hooks with --lease-scope file).');
  return lease;
}
