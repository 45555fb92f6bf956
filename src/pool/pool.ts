// A pool of profiles shared across machines (DynamoDB items): take a free or expired one, else wait in line, oldest first.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LeaseTable, type Holder, type LeaseItem } from '../dynamo/lease.js';
import { appendAudit } from '../lease/audit.js';
import { now } from '../lease/clock.js';
import type { HeldLease, LeaseMetaLike, LeaseSource } from '../lease/lease.js';
import { HOST, newLeaseId, SELF_START } from '../lease/owner.js';
import { LeaseTimeoutError } from '../lease/pool.js';
import { secs } from '../util/format.js';
import { deadHere, SPACE } from './here.js';
import { SharedLease } from './lease.js';
import { TICKET_STALE_MS, Waiters, type Ticket } from './waiters.js';

/** Polling while waiting (back in the line): from MIN_POLL_MS, ×1.6 per round, up to MAX_POLL_MS, each wait jittered to [½, 1]×. */
const MIN_POLL_MS = 10;
const MAX_POLL_MS = 250;
/** A free account the waiters ahead leave untaken this long may be taken out of turn (they poll at most every MAX_POLL_MS). */
const TURN_GRACE_MS = 2 * MAX_POLL_MS + 200;
const TICKET_REFRESH_MS = 1000;
/** The k-th waiter in line (k from 0) watches the items every 4^k × HEAD_POLL_MS (at most MAX_POLL_MS) while k is below the pool's size. */
const HEAD_POLL_MS = 20;
/** Waiters behind others read the line at least this often (and whenever a profile shows free with others ahead). */
const LINE_EVERY_MS = 250;
/**
 * How long a kept lease waits for its holder's next test (the next one reaches a worker within milliseconds) before
 * its account is freed. Kept only when nobody waited as it was taken; a waiter that came meanwhile waits this long at most.
 */
export const KEEP_MS = 250;

export interface SharedPoolOptions {
  readonly client: DynamoDBClient;
  readonly table: string;
  readonly profiles: readonly string[];
  /** Lease time; heartbeats every leaseMs / 6. */
  readonly leaseMs: number;
  /** Clock-skew margin: an expired lease is taken back only this long after its expiry (default min(2 s, lease / 10)). */
  readonly skewMs?: number | undefined;
  /** "circleci workflow …/test #2 (host) pid 12" or "ann@laptop pid 12" (util/machine.ts whoAmI). */
  readonly who: string;
  /** This machine's audit log (false: none). */
  readonly audit: string | undefined;
  readonly run?: string | undefined;
  /** Runs before an account taken back from a dead holder (or left dirty) is handed out; throws when the cleanup failed. */
  readonly cleanup?: ((profile: string, signal: AbortSignal | undefined) => Promise<void>) | undefined;
  readonly onLost?: ((lease: SharedLease, err: Error) => void) | undefined;
  /** Counters for the bench and the tests. */
  readonly stats?: { retries: number; rereads: number } | undefined;
}

export class SharedPool implements LeaseSource {
  readonly table: LeaseTable;
  readonly skewMs: number;
  private readonly waiters: Waiters;
  private ready: Promise<void> | undefined;
  /** Nobody waited for this pool's profiles at the last reading of the line (as this process took its last lease). */
  private quiet = false;
  /** The item this process's last lease left held (park), and the timer that frees it. */
  private parked: { item: LeaseItem; timer: NodeJS.Timeout } | undefined;

  constructor(readonly o: SharedPoolOptions) {
    if (o.profiles.length === 0) throw new Error('a lease pool needs at least one profile');
    this.table = new LeaseTable({ client: o.client, table: o.table, stats: o.stats });
    this.waiters = new Waiters(o.client, o.table);
    this.skewMs = o.skewMs ?? Math.min(2000, o.leaseMs / 10);
  }

  private ensure(): Promise<void> {
    this.ready ??= this.table.ensure().catch((e: unknown) => {
      this.ready = undefined;
      throw e;
    });
    return this.ready;
  }

  /**
   * Available now: free, or held but expired (its expiry plus the skew margin is past on this clock), or held by a
   * process of this machine that has died (a crashed worker, a killed mocha or uber): no need to wait out its lease.
   */
  private available(it: LeaseItem | undefined, at: number): boolean {
    return !it || it.state === 'free' || it.expires < at - this.skewMs || deadHere(it);
  }

  /**
   * Leases one profile: at once when nobody waits ahead, else in arrival order across every machine on the table.
   * A waiter a release could serve (fewer waiters ahead than the pool has profiles) watches the items closely, the
   * head of the line most: a freed account is taken within a few tens of ms. The line itself is read when a profile
   * shows free and the last reading says others are ahead, and every LINE_EVERY_MS (it only shortens ahead of us).
   */
  async acquire(meta: LeaseMetaLike = {}, opts: { timeoutMs?: number | undefined; signal?: AbortSignal | undefined } = {}): Promise<SharedLease> {
    const t0 = now();
    await this.ensure();
    const kept = this.unpark();
    if (kept) {
      const lease = await this.resume(kept, meta, opts.signal);
      if (lease) {
        lease.waitMs = now() - t0;
        return lease;
      }
    }
    let ticket: string | undefined;
    let entered = Infinity; // when the ticket was in
    let touched = 0;
    let touching = false;
    let got = false;
    let delay = MIN_POLL_MS;
    let line: { tickets: readonly Ticket[]; at: number } | undefined;
    let k = Infinity; // waiters ahead, as last read
    const freeSince = new Map<string, number>();
    const mine = new Set(this.o.profiles);
    const readLine = async (): Promise<void> => {
      const at = now();
      const tickets = await this.waiters.list().catch(() => undefined);
      line = tickets ? { tickets, at } : undefined;
      if (tickets) for (const t of tickets) if (this.dead(t, at)) void this.waiters.drop(t);
    };
    try {
      for (;;) {
        opts.signal?.throwIfAborted();
        // the head of the line needs no new reading once it has one from after its ticket was in: nobody can come before it
        const stale = !line || (k > 0 ? now() - line.at >= LINE_EVERY_MS : line.at < entered);
        const [items] = await Promise.all([this.table.readMany(this.o.profiles), stale ? readLine() : undefined]);
        const at = now();
        // waiters whose take has landed (the item names their ticket): served, though their tickets may still be in line
        const served = new Set([...items.values()].flatMap((it) => (it?.state === 'held' && it.ticket ? [it.ticket] : [])));
        const free = this.o.profiles.filter((p) => this.available(items.get(p), at));
        for (const p of [...freeSince.keys()]) if (!free.includes(p)) freeSince.delete(p);
        for (const p of free) if (!freeSince.has(p)) freeSince.set(p, at);
        k = this.ahead(line, ticket, mine, served);
        if (k >= free.length && free.length > 0 && !stale) {
          // the line read earlier puts others first; they may have been served meanwhile
          await readLine();
          k = this.ahead(line, ticket, mine, served);
        }
        // the k-th oldest waiter takes the k-th free profile; one the waiters ahead leave free too long is fair game
        const turn = k < free.length ? [...free.slice(k), ...free.slice(0, k)] : free.filter((p) => at - freeSince.get(p)! >= TURN_GRACE_MS);
        for (const p of turn) {
          const lease = await this.take(p, items.get(p), meta, opts.signal, { ticket });
          if (lease) {
            lease.waitMs = now() - t0;
            // nobody else in the line as read (this process's own ticket aside): its next test may follow on
            this.quiet = line !== undefined && line.tickets.every((t) => t.sk === ticket || this.dead(t, line!.at) || !t.profiles.some((x) => mine.has(x)));
            got = true;
            return lease;
          }
        }
        if (opts.timeoutMs && now() - t0 >= opts.timeoutMs) throw new LeaseTimeoutError(await this.describeWait(opts.timeoutMs));
        if (ticket === undefined) {
          const mineNow = await this.waiters.enter(this.o.who, this.o.profiles, t0).catch(() => undefined);
          ticket = mineNow?.sk;
          entered = now();
          touched = at;
          // placed in the reading it has, behind the others there: read again in turn (LINE_EVERY_MS), or at once
          // when first in it (the head of the line reads it no more, and a ticket may have come in meanwhile)
          line = line && mineNow ? { tickets: [...line.tickets, mineNow].sort((x, y) => (x.sk < y.sk ? -1 : x.sk > y.sk ? 1 : 0)), at: line.at } : undefined;
          k = this.ahead(line, ticket, mine, served);
        } else if (at - touched > TICKET_REFRESH_MS && !touching) {
          // off the watch: a refresh that waited for its reply would leave a freed account unseen meanwhile
          touching = true;
          touched = at;
          void this.waiters.touch(ticket, at).catch(() => undefined).finally(() => (touching = false));
        }
        // a waiter that a release could serve watches closely; the others back off
        delay = ticket !== undefined && k < this.o.profiles.length ? Math.min(MAX_POLL_MS, HEAD_POLL_MS * 4 ** k) : Math.min(MAX_POLL_MS, delay * 1.6);
        const left = opts.timeoutMs ? Math.max(1, opts.timeoutMs - (now() - t0)) : delay;
        await sleep(Math.min(left, delay * (0.5 + Math.random() / 2)), opts.signal);
      }
    } finally {
      // with a lease, the ticket goes while its test starts: waiting for the delete would hold the test back a round
      // trip (the others read a ticket gone a moment late, as they would any reading); a waiter that gives up waits for it
      const leaving = ticket === undefined ? undefined : this.waiters.leave(ticket).catch(() => undefined);
      if (!got) await leaving;
    }
  }

  /** A ticket whose waiter is gone: not refreshed for TICKET_STALE_MS (as of the reading), or its process died on this machine. */
  private dead(t: Ticket, readAt: number): boolean {
    return readAt - t.beat > TICKET_STALE_MS || deadHere(t);
  }

  /**
   * Live waiters ahead of `ticket` (all of them before it has one) that want one of our profiles, in the last reading of
   * the line, less those the items read since show served.
   */
  private ahead(line: { tickets: readonly Ticket[]; at: number } | undefined, ticket: string | undefined, mine: ReadonlySet<string>, served: ReadonlySet<string>): number {
    let k = 0;
    for (const t of line?.tickets ?? []) {
      if (t.sk === ticket) return k;
      if (!this.dead(t, line!.at) && !served.has(t.sk) && t.profiles.some((p) => mine.has(p))) k += 1;
    }
    return k;
  }

  /** One conditional take; the cleanup command runs first when the account was taken back or left dirty. */
  private async take(
    profile: string,
    seen: LeaseItem | undefined,
    meta: LeaseMetaLike,
    signal: AbortSignal | undefined,
    o: { resume?: string | undefined; ticket?: string | undefined } = {},
  ): Promise<SharedLease | undefined> {
    const { resume, ticket } = o;
    const holder: Holder = {
      leaseId: newLeaseId(), who: this.o.who, host: HOST, pid: process.pid, space: SPACE, pidStart: SELF_START, test: meta.test ?? null, file: meta.file ?? null,
      kind: meta.kind === 'deploy' ? 'deploy' : 'test', run: meta.run ?? this.o.run ?? null,
    };
    const sentAt = now();
    const dead = resume === undefined && seen?.state === 'held' && deadHere(seen) ? seen.leaseId : undefined;
    const r = await this.table.take(profile, seen, holder, { now: sentAt, leaseMs: this.o.leaseMs, cutoff: sentAt - this.skewMs, dead, resume, ticket });
    if (!r.ok) return undefined;
    if (now() >= sentAt + this.o.leaseMs - this.skewMs) {
      // the take's reply came too late to use the lease (a slow call, a stopped process): give it back, take again
      await this.table.release(profile, holder.leaseId, r.token, { dirty: seen?.dirty === true || r.replaced !== undefined }).catch(() => undefined);
      return undefined;
    }
    const old = r.replaced;
    if (old && this.o.audit) {
      // the dead holder's lease, as it ended: at its expiry (it stopped using the account by then, or was fenced),
      // or when it was seen dead on this machine
      appendAudit(this.o.audit, {
        leaseId: old.leaseId, profile, pid: old.pid, file: old.file, test: old.test, ...(old.kind === 'deploy' ? { kind: 'deploy' as const } : {}),
        start: old.since, end: Math.min(old.expires, sentAt), ended: 'reclaimed', host: old.host, ...(old.run ? { run: old.run } : {}), pool: this.o.table, token: old.token, who: old.who,
      });
    }
    const lease = new SharedLease({ table: this.table, profile, holder, token: r.token, leaseMs: this.o.leaseMs, sentAt, audit: this.o.audit, reclaimedFrom: old?.who, onLost: this.o.onLost });
    if ((old || seen?.dirty) && this.o.cleanup) {
      try {
        await this.o.cleanup(profile, signal);
        await this.table.cleaned(profile, holder.leaseId, r.token);
      } catch (e) {
        await lease.release({ dirty: true });
        throw e;
      }
    }
    return lease;
  }

  /**
   * Frees the accounts that processes of this machine held when they died (a crashed or killed worker, a killed
   * mocha): logged as ended by death and marked dirty (the cleanup command runs before the next lease), so no one,
   * on this machine or another, waits out their lease. The profiles freed.
   */
  async sweepDead(): Promise<string[]> {
    const freed: string[] = [];
    for (const it of (await this.table.readMany(this.o.profiles)).values()) {
      if (it?.state !== 'held' || !deadHere(it)) continue;
      const end = Math.min(now(), it.expires);
      // a kept item's last test had ended (and was logged): freed as it is
      if ((await this.table.release(it.profile, it.leaseId, it.token, { dirty: it.dirty || !it.kept }).catch(() => 'failed')) !== 'ok') continue; // taken meanwhile
      freed.push(it.profile);
      if (!this.o.audit || it.kept) continue;
      appendAudit(this.o.audit, {
        leaseId: it.leaseId, profile: it.profile, pid: it.pid, file: it.file, test: it.test, ...(it.kind === 'deploy' ? { kind: 'deploy' as const } : {}),
        start: it.since, end, ended: 'dead', host: it.host, ...(it.run ? { run: it.run } : {}), pool: this.o.table, token: it.token, who: it.who,
      });
    }
    return freed;
  }

  /** The same pool (client, table, owner) over some of its profiles, e.g. one account a deploy takes. */
  narrow(profiles: readonly string[]): SharedPool {
    return new SharedPool({ ...this.o, profiles });
  }

  /** Every lease item of the pool's profiles as stored now. */
  async status(): Promise<Map<string, LeaseItem | undefined>> {
    return this.table.readMany(this.o.profiles);
  }

  /** "No profile of the pool [a, b] came free within 30 s: a held by ann@laptop pid 12 (test "x", 31 s) ...". */
  async describeWait(timeoutMs: number): Promise<string> {
    const items = await this.table.readMany(this.o.profiles).catch(() => new Map<string, LeaseItem | undefined>());
    const at = now();
    const holders = this.o.profiles.map((p) => {
      const it = items.get(p);
      if (!it || it.state === 'free') return `${p} free`;
      const what = it.kind === 'deploy' ? `deploy ${it.run ?? ''}`.trim() : it.test ? `test "${it.test}"` : it.file ? `file ${it.file}` : 'no test';
      return `${p} held by ${it.who} (${what}, for ${secs(at - it.since)})`;
    });
    return `No profile of the shared pool ${this.o.table} [${this.o.profiles.join(', ')}] came free within ${secs(timeoutMs)}: ${holders.join('; ')}; raise --lease-timeout, add profiles, or lower --jobs.`;
  }

  /**
   * Ends a lease after its test. While nobody waited as it was taken, the item stays held for this process's next
   * test (KEEP_MS at most): that test's lease follows on with one conditional write, after a look at the line, instead
   * of a release, a read and a take. Each test still has its own lease, token and audit line. Otherwise released at once.
   */
  async park(lease: HeldLease): Promise<void> {
    await this.releaseKept();
    const item = this.quiet && lease instanceof SharedLease ? lease.keep() : undefined;
    if (!item) {
      await lease.release();
      return;
    }
    // an idle worker may exit: the item then comes back through its death (deadHere, uber's sweep after mocha)
    const timer = setTimeout(() => void this.releaseKept(), KEEP_MS);
    timer.unref();
    this.parked = { item, timer };
    // said in the item too, off the test's path: should this process end first, whoever frees the item takes nothing back
    void this.table.kept(item.profile, item.leaseId, item.token).catch(() => undefined);
  }

  /** Frees the kept item, if any (refused harmlessly when another holder took it meanwhile). */
  async releaseKept(): Promise<void> {
    const item = this.unpark();
    if (item) await this.table.release(item.profile, item.leaseId, item.token, { dirty: false }).catch(() => undefined);
  }

  private unpark(): LeaseItem | undefined {
    const p = this.parked;
    this.parked = undefined;
    if (p) clearTimeout(p.timer);
    return p?.item;
  }

  /** The next test's lease on the kept item, when nobody waits for its profile now; else the item is freed. */
  private async resume(kept: LeaseItem, meta: LeaseMetaLike, signal: AbortSignal | undefined): Promise<SharedLease | undefined> {
    const at = now();
    const line = await this.waiters.list().catch(() => undefined);
    const waited = !line || line.some((t) => !this.dead(t, at) && t.profiles.includes(kept.profile));
    const lease = waited ? undefined : await this.take(kept.profile, kept, meta, signal, { resume: kept.leaseId }).catch(() => undefined);
    if (!lease) {
      this.quiet = false;
      await this.table.release(kept.profile, kept.leaseId, kept.token, { dirty: false }).catch(() => undefined);
    }
    return lease;
  }

  close(): void {
    // the kept item, if any, is freed by its timer (or, when this process ends first, through its death)
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
