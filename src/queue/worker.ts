// In a mocha worker: a claim stub asks its machine for the next unit of the shared queue and loads only that unit's
// spec (or nothing, when the queue has none left). The machine makes the claim (src/queue/serve.ts) and completes it.
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { settingsFromEnv, specKey } from '../mocha/settings.js';
import { loadUnit, type UnitSpec } from '../mocha/unit.js';
import type { RunItem } from '../testrun/units.js';
import { queueSettingsFromEnv } from './settings.js';
import type { Claim } from './store.js';

function testCwd(): string {
  return settingsFromEnv(process.env)?.testCwd ?? process.cwd();
}

function unitSpec(item: RunItem): UnitSpec {
  const file = path.resolve(testCwd(), item.file);
  return item.unit ? { file, index: item.unit.index, count: item.unit.count, weights: item.weights ?? {} } : { file, index: 0, count: 1, weights: {} };
}

function ask(url: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode === 200) resolve(text);
        else reject(new Error(`uber: this machine could not claim a unit of the shared queue (${res.statusCode}: ${text})`));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A claim stub: the next unit in queue order, if any is left. */
export async function claimAndLoad(stubUrl: string): Promise<void> {
  const s = queueSettingsFromEnv(process.env);
  if (!s) throw new Error('uber: a queue claim stub was loaded outside `uber test --queue` (UBER_QUEUE is not set)');
  const stub = specKey(fileURLToPath(stubUrl), testCwd()) ?? fileURLToPath(stubUrl);
  const claim = JSON.parse(await ask(s.url, JSON.stringify({ stub, secret: s.secret }))) as Claim | null;
  if (claim) await loadUnit(stubUrl, unitSpec(claim.item));
}

/** A held stub: a unit the machine already took over (a dead holder's, or its own crashed one). */
export async function loadHeld(stubUrl: string, claim: Claim): Promise<void> {
  await loadUnit(stubUrl, unitSpec(claim.item));
}
