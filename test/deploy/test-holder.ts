// A stand-in for one test of an `uber test` run, in its own process: leases a profile through uber's pool (as the mocha plugin does), holds it until told.
// argv: <leaseDir> <profile> <test title> <spec file>. Prints "ready" once loaded; on "take" it leases the profile and prints "held <pid>";
// on "release" it frees it and exits.
import { createInterface } from 'node:readline';
import type { Lease } from '../../src/lease/lease.js';
import { LeasePool } from '../../src/lease/pool.js';
import { LeaseStore } from '../../src/lease/store.js';

const [dir = '', profile = '', test = '', file = ''] = process.argv.slice(2);
const pool = new LeasePool(new LeaseStore({ dir }), [profile]);
let lease: Promise<Lease> | undefined;
createInterface({ input: process.stdin }).on('line', (line) => {
  const command = line.trim();
  if (command === 'take') {
    lease = pool.acquire({ test, file }, { timeoutMs: 120_000 });
    void lease.then(() => process.stdout.write(`held ${process.pid}\n`));
  } else if (command === 'release') {
    void lease?.then(async (l) => {
      await l.release();
      pool.close();
      process.stdout.write('released\n');
      process.exit(0);
    });
  }
});
process.stdout.write('ready\n');
