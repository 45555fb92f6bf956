// In a mocha worker: a claim stub takes the next unit of the shared queue and loads only that unit's spec (or nothing).
//
// The claim is this machine's (its owner name, kept alive by the machine's heartbeat); the worker only notes which unit
// its stub took, under which token, in the attempt's claim journal. The machine completes the unit from its records.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dynamoClient } from '../dynamo/table.js';
import { settingsFromEnv, specKey } from '../mocha/settings.js';
import { loadUnit, type UnitSpec } from '../mocha/unit.js';
import type { RunItem } from '../testrun/units.js';
import { appendClaim } from './claims.js';
import { queueSettingsFromEnv } from './settings.js';
import { WorkQueue, type Claim } from './store.js';

let queue: WorkQueue | undefined;

function open(): { queue: WorkQueue; count: number } {
  const s = queueSettingsFromEnv(process.env);
  if (!s) throw new Error('uber: a queue claim stub was loaded outside `uber test --queue` (UBER_QUEUE is not set)');
  queue ??= new WorkQueue({ client: dynamoClient(s.profile, process.env), table: s.table, runId: s.runId, owner: s.owner });
  return { queue, count: s.count };
}

function where(stubUrl: string): { runDir: string; testCwd: string; stub: string } {
  const s = settingsFromEnv(process.env);
  if (!s?.runDir) throw new Error('uber: a queue claim stub needs UBER_RUN_DIR (it runs under `uber test --queue`)');
  return { runDir: s.runDir, testCwd: s.testCwd, stub: specKey(fileURLToPath(stubUrl), s.testCwd) ?? fileURLToPath(stubUrl) };
}

function unitSpec(item: RunItem, testCwd: string): UnitSpec {
  const file = path.resolve(testCwd, item.file);
  return item.unit ? { file, index: item.unit.index, count: item.unit.count, weights: item.weights ?? {} } : { file, index: 0, count: 1, weights: {} };
}

async function load(stubUrl: string, claim: Claim | undefined): Promise<void> {
  const w = where(stubUrl);
  appendClaim(w.runDir, { stub: w.stub, n: claim?.n ?? null, item: claim ? { file: claim.item.file, unit: claim.item.unit } : null, token: claim?.token ?? 0, attempts: claim?.attempts ?? 0, pid: process.pid, t: Date.now() });
  if (claim) await loadUnit(stubUrl, unitSpec(claim.item, w.testCwd));
}

/** A claim stub: the next unit in queue order, if any is left. */
export async function claimAndLoad(stubUrl: string): Promise<void> {
  const { queue: q, count } = open();
  await load(stubUrl, await q.claimNext(count));
}

/** A held stub: a unit the machine already took over (a dead holder's, or its own crashed one). */
export async function loadHeld(stubUrl: string, claim: Claim): Promise<void> {
  await load(stubUrl, claim);
}
