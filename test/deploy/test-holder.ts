// A stand-in for one test of an `uber test` run, in its own process: leases a profile through uber's pool (as the mocha plugin does), holds it until told.
// argv: <leaseDir> <profile> <test title> <spec file>. Prints "held <pid>" once it holds the profile; "release" on stdin frees it and exits.
import { createInterface } from 'node:readline';
import { LeasePool } from '../../src/lease/pool.js';
import { LeaseStore } from '../../src/lease/store.js';

const [dir = '', profile = '', test = '', file = ''] = process.argv.slice(2);
const pool = new LeasePool(new LeaseStore({ dir }), [profile]);
const lease = await pool.acquire({ test, file }, { timeoutMs: 120_000 });
process.stdout.write(`held ${process.pid}\n`);
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'release') return;
  void lease.release().then(() => {
    pool.close();
    process.stdout.write('released\n');
    process.exit(0);
  });
});
