// One machine's side of `uber test --queue`: enqueue or join, heartbeat, complete units as their records come in,
// run again what crashed, and once its own list is done take over what dead machines held until the queue is drained.
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { readAttempt, type AttemptRecords } from '../testrun/results.js';
import { writeClaimStubs, writeHeldStub } from '../testrun/claim-stubs.js';
import { unitLabel, type RunItem } from '../testrun/units.js';
import { RunFailedError } from '../errors.js';
import { why } from '../dynamo/why.js';
import { MAX_ATTEMPTS, type QueueUnit, type UnitResult } from './items.js';
import { serveClaims, type ClaimService } from './serve.js';
import { queueSettingsToEnv } from './settings.js';
import { Liveness, planSweep } from './sweep.js';
// the AWS SDK loads in the background (connect), while mocha starts: only types here
import type { Claim, WorkQueue } from './store.js';

export interface QueueMachineOptions {
  /** The pool (for messages), its profile (whose credentials and endpoint reach the table) and table. */
  readonly pool: string;
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
  readonly env: NodeJS.ProcessEnv;
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
  /** The queue once this machine has joined it. */
  private readonly ready: Promise<WorkQueue>;
  /** Stub (mocha argument) → the unit it ran, for every stub that took one. */
  readonly itemOf = new Map<string, RunItem>();
  /** Every stub given to mocha, in the order given. */
  readonly args: string[] = [];
  /** Problems that fail this machine's job (a unit given up on its last attempt). */
  readonly problems: string[] = [];
  /** Stubs whose result this machine may not report: a late result of a unit another machine took over. */
  private readonly fenced = new Set<string>();
  /** Each stub's unit (its latest claim). */
  private readonly claims = new Map<string, Claim>();
  /** Units this machine holds and has not ended: n → the stub and claim. */
  private readonly held = new Map<number, { stub: string; claim: Claim }>();
  /** Claims already ended (stub + token). */
  private readonly ended = new Set<string>();
  private readonly live = new Liveness();
  private count = 0;
  /** The cursor has passed the last unit: claim stubs get nothing, without asking the table. */
  private drained = false;
  private heart: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private settling: Promise<void> = Promise.resolve();
  private beatFailing = false;
  private service: ClaimService | undefined;
  /** The running (or last) attempt's folder. */
  private runDir: string | undefined;

  private constructor(private readonly o: QueueMachineOptions) {
    this.ready = this.connect();
    this.ready.catch(() => undefined); // seen by whoever needs the queue
  }

  /**
   * Starts this machine's claim service at once; enqueueing (or joining the queue another machine made) and the
   * heartbeat go on in the background, while mocha starts its workers. Their first claims wait for it.
   */
  static async start(o: QueueMachineOptions): Promise<QueueMachine> {
    const m = new QueueMachine(o);
    m.service = await serveClaims((stub) => m.claimFor(stub));
    return m;
  }

  private async connect(): Promise<WorkQueue> {
    const o = this.o;
    const [{ dynamoClient, ensureTable }, { WorkQueue }] = await Promise.all([import('../dynamo/table.js'), import('./store.js')]);
    try {
      const client = dynamoClient(o.profile, o.env);
      await ensureTable(client, o.table);
      const queue = new WorkQueue({ client, table: o.table, runId: o.runId, owner: o.owner });
      const { created, head } = await queue.join(o.items, { fillAfterMs: o.leaseMs, signal: o.signal });
      this.count = head.count;
      this.heart = setInterval(() => void this.beat(queue), Math.max(100, Math.floor(o.leaseMs / 6)));
      this.heart.unref();
      const left = Math.max(0, head.count - head.cursor);
      o.say(
        created
          ? `uber: queue ${o.runId}: ${head.count} units enqueued in ${o.pool} by this machine (${o.owner}).`
          : `uber: queue ${o.runId}: joined (${head.count} units, about ${left} not yet taken), as ${o.owner}.`,
      );
      return queue;
    } catch (e) {
      throw new RunFailedError(`The shared queue in ${o.pool} cannot be used (${why(e)}); check the credentials, region and endpoint_url of the profile ${o.profile}.`);
    }
  }

  private async beat(queue: WorkQueue): Promise<void> {
    try {
      await queue.beat();
      if (this.beatFailing) this.o.say('uber: queue heartbeat written again.');
      this.beatFailing = false;
    } catch (e) {
      if (!this.beatFailing) this.o.say(`uber: cannot write this machine's queue heartbeat (${why(e)}); its units are taken over if this lasts a lease.`);
      this.beatFailing = true;
    }
  }

  /** What mocha's workers need to ask this machine for units. */
  env(): Record<string, string> {
    return this.service ? queueSettingsToEnv(this.service.settings) : {};
  }

  /** A worker loaded `stub`: the next unit in queue order becomes this machine's and the stub's. */
  private async claimFor(stub: string): Promise<Claim | undefined> {
    // a queue that cannot be reached gives the stubs nothing: the run then stops with one sentence (after, sweep)
    const queue = await this.ready.catch(() => undefined);
    if (!queue || this.o.signal.aborted || this.drained) return undefined;
    const c = await queue.claimNext(this.count);
    if (c) this.record(stub, c);
    else this.drained = true;
    return c;
  }

  private record(stub: string, c: Claim): void {
    this.claims.set(stub, c);
    this.itemOf.set(stub, c.item);
    this.held.set(c.n, { stub, claim: c });
  }

  /** The first attempt's stubs: one per unit of this machine's plan (a queue that has fewer leaves the rest empty). */
  first(): string[] {
    return this.give(writeClaimStubs(this.o.items.length, this.o.testCwd, this.o.stubDir));
  }

  private give(stubs: string[]): string[] {
    for (const s of stubs) if (!this.args.includes(s)) this.args.push(s);
    return stubs;
  }

  /** While mocha runs: units are completed as their end markers appear (so other machines never wait for a whole attempt). */
  watch(runDir: string): void {
    this.runDir = runDir;
    clearInterval(this.poll);
    this.poll = setInterval(() => void this.settle(() => readAttempt(runDir)).catch(() => undefined), 250);
    this.poll.unref();
  }

  /** Whether a stub's result is this machine's to report (it took a unit, and no one took it over meanwhile). */
  kept(stub: string): boolean {
    return this.itemOf.has(stub) && !this.fenced.has(stub);
  }

  private settle(rec: AttemptRecords | (() => AttemptRecords)): Promise<void> {
    this.settling = this.settling.then(() => this.settleNow(typeof rec === 'function' ? rec() : rec));
    return this.settling;
  }

  private async settleNow(rec: AttemptRecords): Promise<void> {
    for (const [stub, c] of this.claims) {
      if (this.ended.has(`${stub}\0${c.token}`)) continue;
      const end = rec.ends.get(stub);
      const loadError = rec.loadErrors.get(stub);
      if (!end && !loadError) continue; // running, or crashed (decided when mocha has exited)
      const failed = end ? end.failures > 0 || (rec.tests.get(stub) ?? []).some((t) => t.state === 'failed') : true;
      const result: UnitResult = loadError ? 'load-failed' : failed ? 'failed' : 'passed';
      await this.end(stub, c, result, loadError ? loadError.error.message.split('\n')[0] : undefined);
    }
  }

  private async end(stub: string, c: Claim, result: UnitResult, reason?: string): Promise<void> {
    const key = `${stub}\0${c.token}`;
    let ok: boolean;
    try {
      ok = result === 'crashed' ? await (await this.ready).giveUp(c.n, { owner: this.o.owner, token: c.token }, result, reason ?? 'its worker crashed') : await (await this.ready).complete(c.n, c.token, result, reason);
    } catch (e) {
      this.problems.push(`the result of ${label(c.item)} could not be written to the queue (${why(e)}); another machine may run it again.`);
      ok = true;
    }
    this.ended.add(key);
    if (this.held.get(c.n)?.claim.token === c.token) this.held.delete(c.n);
    if (ok) return;
    this.fenced.add(stub);
    this.o.say(`uber: dropped this machine's late result of ${label(c.item)}: another machine took it over (token ${c.token} is stale).`);
  }

  /**
   * After an attempt: end what finished, run again what crashed (while it has an attempt left), then take over what
   * dead machines held and wait for live ones. The next attempt's stubs; none when the queue is drained.
   */
  async after(rec: AttemptRecords, missing: readonly string[]): Promise<string[]> {
    clearInterval(this.poll);
    await this.settle(rec);
    const again: string[] = [];
    for (const stub of missing) {
      const c = this.claims.get(stub);
      if (!c || this.ended.has(`${stub}\0${c.token}`)) continue; // crashed before it took a unit
      if (!this.o.retryCrashed || c.attempts >= MAX_ATTEMPTS) {
        await this.end(stub, c, 'crashed', `its worker crashed on attempt ${c.attempts} of ${MAX_ATTEMPTS}`);
        continue;
      }
      const next = await (await this.ready).claim(c.n, { state: 'held', owner: this.o.owner, token: c.token });
      this.ended.add(`${stub}\0${c.token}`);
      if (!next) {
        this.fenced.add(stub); // taken over meanwhile: its result is the other machine's
        continue;
      }
      this.record(stub, next);
      this.o.say(`uber: ${label(c.item)} reported no result (its worker crashed); running it again on this machine (attempt ${next.attempts} of ${MAX_ATTEMPTS}).`);
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
      const snap = await (await this.ready).snapshot();
      const now = Date.now();
      this.live.observe(snap.beats, now);
      const plan = planSweep(snap, this.o.owner, new Set(this.held.keys()), (owner) => this.live.dead(owner, now, this.o.leaseMs));
      for (const u of plan.giveUp) await this.giveUp(u);
      const taken: string[] = [];
      for (const u of [...plan.free, ...plan.takeOver]) {
        const c = await (await this.ready).claim(u.n, u.state === 'free' ? { state: 'free' } : { state: 'held', owner: u.owner ?? '', token: u.token });
        if (!c) continue;
        if (u.state === 'held') this.o.say(`uber: took over ${label(u.item)} from ${u.owner} (no heartbeat for ${this.o.leaseMs / 1000} s): attempt ${c.attempts} of ${MAX_ATTEMPTS}.`);
        const stub = writeHeldStub(c, this.o.testCwd, this.o.stubDir);
        this.record(stub, c);
        taken.push(stub);
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
    if (await (await this.ready).giveUp(u.n, { owner: u.owner ?? '', token: u.token }, 'crashed', reason)) this.problems.push(`${label(u.item)} failed: ${reason}.`);
  }

  /** Stops the heartbeat; units still held (an interrupted run) are given back for other machines to take. */
  async close(): Promise<void> {
    clearInterval(this.poll);
    clearInterval(this.heart);
    await this.service?.[Symbol.asyncDispose]();
    const last = this.runDir;
    if (last) await this.settle(() => readAttempt(last)).catch(() => undefined); // what finished before an interruption is done, not given back
    await this.settling.catch(() => undefined);
    const queue = await this.ready.catch(() => undefined);
    for (const [n, h] of this.held) await queue?.release(n, h.claim.token).catch(() => false);
    this.held.clear();
  }
}
