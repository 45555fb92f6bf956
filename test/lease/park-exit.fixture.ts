// A worker that takes a lease, parks its lock and exits at once (as an idle mocha worker does when the pool ends).
import { LeasePool } from '../../src/lease/pool.js';
import { LeaseStore } from '../../src/lease/store.js';

const dir = process.argv[2]!;
const pool = new LeasePool(new LeaseStore({ dir }), ['p1']);
const lease = await pool.acquire({ test: 'only' });
await pool.park(lease);
process.stdout.write('parked\n');
process.exit(0);
