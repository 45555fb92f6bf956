// One machine's side of `uber test --queue`: enqueue or join, heartbeat, complete units as their records come in,
// run again what crashed, and once its own list is done take over what dead machines held until the queue is drained.
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readAttempt, type AttemptRecords } from '../testrun/results.js';
import { writeClaimStubs, writeHeldStub } from '../testrun/claim-stubs.js';
import { unitLabel, type RunItem } from '../testrun/units.js';
import { why } from '../dynamo/table.js';
import { readClaims, type ClaimRecord } from './claims.js';
import { MAX_ATTEMPTS, type QueueUnit, type UnitResult } from './items.js';
import { queueSettingsToEnv } from './settings.js';
import { Liveness, planSweep } from './sweep.js';
import { WorkQueue, type Claim } from './store.js';

export interface QueueMachineOptions {
  readonly client: DynamoDBClient;
  /** The pool: its profile (for the workers' own client) and table. */
  readonly profile: string;
  readonly table: string;
  readonly runId: string;
  readonly owner: string;
  readonly leaseMs: number;
  /** This machine's plan of the run, longest first (the queue's own when another machine made it). */
  readonly items: readonly RunItem[];
  readonly testCwd: string;
  /** Where stubs are written (the run's temp folder). */
  readonly stubDir: string;
  /** Re-run a unit whose worker crashed (while it has an attempt left). */
  readonly retryCrashed: boolean;
  readonly say: (line: string) => void;
  readonly signal: AbortSignal;
}

/** Who this machine is, in the queue and in `uber pool status`: CI job and container, or user@host, and the pid. */
export function machineName(env: NodeJS.ProcessEnv): string {
  const tag = randomBytes(2).toString('hex');
  if (env.CIRCLE_JOB) return `${env.CIRCLE_JOB}#${env.CIRCLE_NODE_INDEX ?? 0}@${os.hostname()}:${process.pid}-${tag}`;
  let user = env.USER ?? env.LOGNAME ?? 'user';
  try {
    user = os.userInfo().username;
  } catch {
    // no passwd entry (a container): the environment's name
  }
  return `${user}@${os.hostname()}:${process.pid}-${tag}`;
}

/** The queue's name for a unit: "a.spec.js" or "a.spec.js (unit 2/3)". */
function label(item: Pick<RunItem, 'file' | 'unit'>): string {
  return item.unit ? `${item.file} (unit ${unitLabel(item.unit)})` : item.file;
}

export class QueueMachine {
  readonly queue: WorkQueue;
  /** Stub (mocha argument) → the unit it ran, for every stub that took one. */
  readonly itemOf = new Map<string, RunItem>();
  /** Every stub given to mocha, in the order given. */
  readonly args: string[] = [];
  /** Problems that fail this machine's job (a unit given up on its last attempt). */
  readonly problems: string[] = [];
  /** Stubs whose result this machine may not report: a late result of a unit another machine took over. */
  private readonly fenced = new Set<string>();
  /** Units this machine holds and has not ended: n → the stub and claim. */
  private readonly held = new Map<number, { stub: string; claim: Claim }>();
  /** Claims already ended (stub + token). */
  private readonly ended = new Set<string>();
  private readonly live = new Liveness();
  private count = 0;
  private startAt = 0;
  private heart: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private settling: Promise<void> = Promise.resolve();
  private beatFailing = false;

  private constructor(private readonly o: QueueMachineOptions) {
    this.queue = new WorkQueue({ client: o.client, table: o.table, runId: o.runId, owner: o.owner });
  }

  /** Enqueues this run's units (or joins the queue another machine made) and starts this machine's heartbeat. */
  static async open(o: QueueMachineOptions): Promise<QueueMachine> {
    const m = new QueueMachine(o);
    const { created, head } = await m.queue.join(o.items, { fillAfterMs: o.leaseMs, signal: o.signal });
    m.count = head.count;
    m.startAt = head.cursor;
    m.heart = setInterval(() => void m.beat(), Math.max(100, Math.floor(o.leaseMs / 6)));
    m.heart.unref();
    const left = Math.max(0, head.count - head.cursor);
    o.say(
      created
        ? `uber: queue ${o.runId}: ${head.count} units enqueued in ${o.table} by this machine (${o.owner}).`
        : `uber: queue ${o.runId}: joined (${head.count} units, about ${left} not yet taken), as ${o.owner}.`,
    );
    return m;
  }

  private async beat(): Promise<void> {
    try {
      await this.queue.beat();
      if (this.beatFailing) this.o.say('uber: queue heartbeat written again.');
      this.beatFailing = false;
    } catch (e) {
      if (!this.beatFailing) this.o.say(`uber: cannot write this machine's queue heartbeat (${why(e)}); its units are taken over if this lasts a lease.`);
      this.beatFailing = true;
    }
  }

  /** What mocha's workers need to claim units. */
  env(): Record<string, string> {
    return queueSettingsToEnv({ profile: this.o.profile, table: this.o.table, runId: this.o.runId, owner: this.o.owner, count: this.count });
  }

  /** The first attempt's stubs: one per unit not yet taken when this machine joined; none → straight to sweeping. */
  async first(): Promise<string[]> {
    const left = Math.max(0, this.count - this.startAt);
    if (left === 0) return this.sweep();
    return this.give(writeClaimStubs(left, this.o.testCwd, this.o.stubDir));
  }

  private give(stubs: string[]): string[] {
    for (const s of stubs) if (!this.args.includes(s)) this.args.push(s);
    return stubs;
  }

  /** While mocha runs: units are completed as their end markers appear (so other machines never wait for a whole attempt). */
  watch(runDir: string): void {
    clearInterval(this.poll);
    this.poll = setInterval(() => void this.settle(runDir).catch(() => undefined), 250);
    this.poll.unref();
  }

  /** Whether a stub's result is this machine's to report (it took a unit, and no one took it over meanwhile). */
  kept(stub: string): boolean {
    return this.itemOf.has(stub) && !this.fenced.has(stub);
  }

  private settle(runDir: string, rec?: AttemptRecords): Promise<void> {
    this.settling = this.settling.then(() => this.settleNow(runDir, rec ?? readAttempt(runDir)));
    return this.settling;
  }

  private async settleNow(runDir: string, rec: AttemptRecords): Promise<void> {
    for (const c of readClaims(runDir).values()) {
      const key = `${c.stub}\0${c.token}`;
      if (c.n === null || c.item === null || this.ended.has(key)) continue;
      this.itemOf.set(c.stub, { file: c.item.file, unit: c.item.unit, estimateMs: 0 });
      this.held.set(c.n, { stub: c.stub, claim: { n: c.n, token: c.token, attempts: c.attempts, item: { file: c.item.file, unit: c.item.unit, estimateMs: 0 } } });
      const end = rec.ends.get(c.stub);
      const loadError = rec.loadErrors.get(c.stub);
      if (!end && !loadError) continue; // running, or crashed (decided when mocha has exited)
      const failed = end ? end.failures > 0 || (rec.tests.get(c.stub) ?? []).some((t) => t.state === 'failed') : true;
      const result: UnitResult = loadError ? 'load-failed' : failed ? 'failed' : 'passed';
      await this.end(c, result, loadError ? loadError.error.message.split('\n')[0] : undefined);
    }
  }

  private async end(c: ClaimRecord, result: UnitResult, reason?: string): Promise<void> {
    if (c.n === null || c.item === null) return;
    const key = `${c.stub}\0${c.token}`;
    let ok: boolean;
    try {
      ok = result === 'crashed' ? await this.queue.giveUp(c.n, { owner: this.o.owner, token: c.token }, result, reason ?? 'its worker crashed') : await this.queue.complete(c.n, c.token, result, reason);
    } catch (e) {
      this.problems.push(`the result of ${label(c.item)} could not be written to the queue (${why(e)}); another machine may run it again.`);
      ok = true;
    }
    this.ended.add(key);
    if (this.held.get(c.n)?.claim.token === c.token) this.held.delete(c.n);
    if (ok) return;
    this.fenced.add(c.stub);
    this.o.say(`uber: dropped this machine's late result of ${label(c.item)}: another machine took it over (token ${c.token} is stale).`);
  }

  /**
   * After an attempt: end what finished, run again what crashed (while it has an attempt left), then take over what
   * dead machines held and wait for live ones. The next attempt's stubs; none when the queue is drained.
   */
  async after(runDir: string, rec: AttemptRecords, missing: readonly string[]): Promise<string[]> {
    clearInterval(this.poll);
    await this.settle(runDir, rec);
    const claims = readClaims(runDir);
    const again: string[] = [];
    for (const stub of missing) {
      const c = claims.get(stub);
      if (!c || c.n === null || c.item === null || this.ended.has(`${c.stub}\0${c.token}`)) continue; // crashed before it took a unit
      if (!this.o.retryCrashed || c.attempts >= MAX_ATTEMPTS) {
        await this.end(c, 'crashed', `its worker crashed on attempt ${c.attempts} of ${MAX_ATTEMPTS}`);
        continue;
      }
      const next = await this.queue.claim(c.n, { state: 'held', owner: this.o.owner, token: c.token });
      this.ended.add(`${c.stub}\0${c.token}`);
      if (!next) {
        this.fenced.add(stub); // taken over meanwhile: its result is the other machine's
        continue;
      }
      again.push(writeHeldStub(next, this.o.testCwd, this.o.stubDir, stub));
    }
    if (again.length > 0 || this.o.signal.aborted) return again;
    return this.sweep();
  }

  /** Takes over what is left (free, or held by a dead machine), gives up units on their last attempt, waits for the live. */
  private async sweep(): Promise<string[]> {
    let waitMs = 200;
    let told = '';
    for (;;) {
      if (this.o.signal.aborted) return [];
      const snap = await this.queue.snapshot();
      const now = Date.now();
      this.live.observe(snap.beats, now);
      const plan = planSweep(snap, this.o.owner, new Set(this.held.keys()), (owner) => this.live.dead(owner, now, this.o.leaseMs));
      for (const u of plan.giveUp) await this.giveUp(u);
      const taken: string[] = [];
      for (const u of [...plan.free, ...plan.takeOver]) {
        const c = await this.queue.claim(u.n, u.state === 'free' ? { state: 'free' } : { state: 'held', owner: u.owner ?? '', token: u.token });
        if (!c) continue;
        if (u.state === 'held') this.o.say(`uber: took over ${label(u.item)} from ${u.owner} (no heartbeat for ${this.o.leaseMs / 1000} s): attempt ${c.attempts} of ${MAX_ATTEMPTS}.`);
        taken.push(writeHeldStub(c, this.o.testCwd, this.o.stubDir));
      }
      if (taken.length > 0) return this.give(taken);
      if (plan.drained) return [];
      const line = `uber: waiting for ${plan.waiting.length} unit${plan.waiting.length === 1 ? '' : 's'} other machines hold (${[...new Set(plan.waiting.map((u) => u.owner))].join(', ')}).`;
      if (line !== told) this.o.say(line);
      told = line;
      await new Promise((r) => setTimeout(r, waitMs * (0.75 + Math.random() / 2)));
      waitMs = Math.min(1000, waitMs * 1.5);
    }
  }

  private async giveUp(u: QueueUnit): Promise<void> {
    const reason = `its holder ${u.owner} stopped (no heartbeat for ${this.o.leaseMs / 1000} s) on attempt ${u.attempts} of ${MAX_ATTEMPTS}`;
    if (await this.queue.giveUp(u.n, { owner: u.owner ?? '', token: u.token }, 'crashed', reason)) this.problems.push(`${label(u.item)} failed: ${reason}.`);
  }

  /** Stops the heartbeat; units still held (an interrupted run) are given back for other machines to take. */
  async close(): Promise<void> {
    clearInterval(this.poll);
    clearInterval(this.heart);
    await this.settling.catch(() => undefined);
    for (const [n, h] of this.held) await this.queue.release(n, h.claim.token).catch(() => false);
    this.held.clear();
  }
}
