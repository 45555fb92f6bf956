// A machine on a shared pool: W workers take leases one after another from the table, each held a few ms, logged to its own audit.
// Mode "uber" uses the shared pool; mode "naive" takes with an unconditional write (the negative control).
// Lines out: "H <profile> <leaseId>" held, "R <profile>" released; with HOLD=stdin the first lease waits for "r" on stdin, then
// prints "L active=<bool> heartbeat=<ok|fenced> release=<ended>" (the fencing check after a SIGSTOP).
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { leasePk } from '../../../src/dynamo/lease.js';
import { dynamoClient, ensureTable, itemKey } from '../../../src/dynamo/table.js';
import { appendAudit } from '../../../src/lease/audit.js';
import { now } from '../../../src/lease/clock.js';
import { openSharedPool } from '../../../src/pool/open.js';

const [dir = '', table = '', profilesJson = '[]', leaseText = '2000', workersText = '3', mode = 'uber', limitText = '0'] = process.argv.slice(2);
const profiles = JSON.parse(profilesJson) as string[];
const leaseMs = Number(leaseText);
const limit = Number(limitText); // leases per worker; 0 = until killed
const audit = path.join(dir, 'audit.jsonl');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const out = (line: string): boolean => process.stdout.write(`${line}\n`);
// stdin: "x" = finish the leases held and stop; "r" = let the held first lease go on (HOLD=stdin);
// "k" / "s" = at the next lease taken, SIGKILL / SIGSTOP this machine while it holds it (says "K <profile>" / "Z <profile>" first)
let stopping = false;
let killNext = false;
let stopNext = false;
let onR: (() => void) | undefined;
createInterface({ input: process.stdin }).on('line', (l) => {
  if (l === 'x') stopping = true;
  if (l === 'r') onR?.();
  if (l === 'k') killNext = true;
  if (l === 's') stopNext = true;
});
/** Dies or freezes while holding, when the harness asked for it. */
function chaos(profile: string): void {
  if (killNext) {
    out(`K ${profile}`);
    process.kill(process.pid, 'SIGKILL');
  }
  if (stopNext) {
    stopNext = false;
    out(`Z ${profile}`);
    process.kill(process.pid, 'SIGSTOP');
  }
}
const stdinLine = (): Promise<void> => new Promise((r) => (onR = r));

async function uber(): Promise<void> {
  const stats = { retries: 0, rereads: 0 };
  const pool = openSharedPool({ spec: { kind: 'dynamodb', profile: 'pool', table, text: `dynamodb:pool/${table}` }, env: process.env, profiles, leaseMs, who: `machine ${path.basename(dir)} pid ${process.pid}`, audit, stats });
  const worker = async (w: number): Promise<void> => {
    for (let n = 0; (limit === 0 || n < limit) && !stopping; n += 1) {
      const lease = await pool.acquire({ test: `w${w} #${n}` });
      out(`H ${lease.profile} ${lease.leaseId} ${lease.token}`);
      chaos(lease.profile);
      if (process.env.HOLD === 'stdin' && n === 0 && w === 0) {
        await stdinLine();
        const active = lease.active;
        const beat = await pool.table.heartbeat(lease.profile, lease.leaseId, lease.token, { now: now(), leaseMs });
        const rec = await lease.release();
        out(`L active=${active} heartbeat=${beat} release=${rec?.ended ?? 'lost-before'}`);
        continue;
      }
      await sleep(Math.floor(Math.random() * 6));
      // a lease lost while this machine was stopped fails its "test" (F), as the plugin fails a test: the worker goes on
      out(lease.active ? `R ${lease.profile}` : `F ${lease.profile}`);
      await lease.release();
    }
  };
  await Promise.all(Array.from({ length: Number(workersText) }, (_, w) => worker(w)));
  out(`S retries=${stats.retries} rereads=${stats.rereads}`);
}

/** Takes what a read shows free with a plain PutItem: no condition, no token (read, then write blind). */
async function naive(): Promise<void> {
  const client = dynamoClient('pool', process.env, { maxAttempts: 1 });
  await ensureTable(client, table);
  const worker = async (): Promise<void> => {
    for (let n = 0; (limit === 0 || n < limit) && !stopping; n += 1) {
      const profile = profiles[Math.floor(Math.random() * profiles.length)]!;
      const seen = await client.send(new GetItemCommand({ TableName: table, Key: itemKey(leasePk(profile), 'lease'), ConsistentRead: true }));
      if (seen.Item?.state?.S === 'held') {
        await sleep(2);
        continue;
      }
      const leaseId = `${process.pid}-${randomBytes(4).toString('hex')}`;
      await client.send(new PutItemCommand({ TableName: table, Item: { ...itemKey(leasePk(profile), 'lease'), state: { S: 'held' }, owner: { S: leaseId } } }));
      const start = now();
      out(`H ${profile} ${leaseId} 0`);
      await sleep(Math.floor(Math.random() * 6));
      appendAudit(audit, { leaseId, profile, pid: process.pid, file: null, test: 'naive', start, end: now() });
      await client.send(new PutItemCommand({ TableName: table, Item: { ...itemKey(leasePk(profile), 'lease'), state: { S: 'free' }, owner: { S: leaseId } } }));
      out(`R ${profile}`);
    }
  };
  await Promise.all(Array.from({ length: Number(workersText) }, () => worker()));
}

void (mode === 'naive' ? naive() : uber()).then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`machine ${dir}: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
