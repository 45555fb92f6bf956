// Chaos contender: takes leases one after another and holds each until the harness says "r <ms>" (or kills it).
// Mode "uber" uses uber's lease pool; mode "naive" uses plain proper-lockfile stale takeover (the negative control).
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import lockfile from 'proper-lockfile';
import { now } from '../../../src/lease/clock.js';
import { LeasePool } from '../../../src/lease/pool.js';
import { LeaseStore } from '../../../src/lease/store.js';

const [dir = '', profilesJson = '[]', staleText = '2000', mode = 'uber'] = process.argv.slice(2);
const profiles = JSON.parse(profilesJson) as string[];
const staleMs = Number(staleText);
const commands: string[] = [];
let wake: (() => void) | undefined;
createInterface({ input: process.stdin })
  .on('line', (l) => {
    commands.push(l);
    wake?.();
  })
  .on('close', () => process.exit(0)); // the harness is gone: do not wait forever with a lease
const next = async (): Promise<string> => {
  while (commands.length === 0) await new Promise<void>((r) => (wake = r));
  return commands.shift()!;
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function uber(): Promise<void> {
  const pool = new LeasePool(new LeaseStore({ dir, staleMs }), profiles);
  for (;;) {
    const lease = await pool.acquire({ test: `chaos ${process.pid}` });
    process.stdout.write(`H ${lease.leaseId} ${lease.profile}\n`);
    const cmd = await next();
    await sleep(Number(cmd.split(' ')[1] ?? 0));
    const rec = await lease.release();
    process.stdout.write(rec ? 'R\n' : 'C\n');
    if (cmd.startsWith('x')) break;
  }
  pool.close();
}

async function naive(): Promise<void> {
  const audit = path.join(dir, 'audit.jsonl');
  for (let n = 0; ; n += 1) {
    let release: (() => Promise<void>) | undefined;
    let profile = '';
    while (!release) {
      for (const p of profiles) {
        try {
          release = await lockfile.lock(path.join(dir, p), { stale: staleMs, realpath: false, retries: 0, onCompromised: () => undefined });
          profile = p;
          break;
        } catch {
          // held: try the next one
        }
      }
      if (!release) await sleep(2);
    }
    const start = now();
    const leaseId = `${process.pid}-${n}`;
    process.stdout.write(`H ${leaseId} ${profile}\n`);
    const cmd = await next();
    await sleep(Number(cmd.split(' ')[1] ?? 0));
    appendFileSync(audit, `${JSON.stringify({ leaseId, profile, pid: process.pid, file: null, test: 'naive', start, end: now() })}\n`);
    await release().catch(() => undefined);
    process.stdout.write('R\n');
    if (cmd.startsWith('x')) break;
  }
}

void (mode === 'naive' ? naive() : uber()).then(() => process.exit(0));
