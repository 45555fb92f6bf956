// A pool of profiles over one lease store: take any free one now, or wait in line (fs.watch + a short poll).
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { ErrorCode } from '../errors/codes.js';
import { now } from './clock.js';
import type { Lease } from './lease.js';
import { Queue } from './queue.js';
import type { LeaseMeta, LeaseStore, Parked } from './store.js';
import { secs } from '../util/format.js';

/** A free profile that the waiters ahead have not taken within this long may be taken out of turn. */
const TURN_GRACE_MS = 50;
/** Rescan at least this often while waiting (dead holders make no fs event). */
const POLL_MS = 50;
/**
 * How long a parked lock waits for its holder's next test (the next file reaches a worker within milliseconds)
 * before it is freed; a waiter's ticket frees it at once.
 */
export const KEEP_MS = 250;

export class LeaseTimeoutError extends Error {
  override readonly name = 'LeaseTimeoutError';
  readonly code = 'ERR_UBER_LEASE_TIMEOUT' satisfies ErrorCode;
}

export interface AcquireOptions {
  /** Give up after this long (0 = wait forever). */
  readonly timeoutMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

export class LeasePool {
  private readonly queue: Queue;
  private watchers: FSWatcher[] | undefined;
  private generation = 0;
  private readonly sleepers = new Set<() => void>();
  /** The lock kept from this process's last lease (park), its timer and the watch on the waiting line. */
  private parked: { lock: Parked; timer: NodeJS.Timeout } | undefined;
  private lineWatch: FSWatcher | undefined;

  constructor(
    readonly store: LeaseStore,
    readonly profiles: readonly string[],
  ) {
    if (profiles.length === 0) throw new Error('a lease pool needs at least one profile');
    this.queue = new Queue(store.dir);
  }

  /** Leases one free profile: at once when nobody waits, else in arrival order. */
  async acquire(meta: LeaseMeta = {}, opts: AcquireOptions = {}): Promise<Lease> {
    const t0 = now();
    const kept = this.unpark();
    if (kept) {
      // a ticket in line frees a kept lock at once (watchLine); without a watch, look
      const lease = this.lineWatch || this.queue.isEmpty() ? this.store.resume(kept, meta) : undefined;
      if (lease) return done(lease, t0);
      await this.store.releaseParked(kept);
    }
    if (this.queue.isEmpty()) {
      const lease = await this.tryInOrder(this.rotated(process.pid), meta);
      if (lease) return done(lease, t0);
    }
    const ticket = this.queue.enter();
    this.startWatching();
    const freeSince = new Map<string, number>();
    let touched = Date.now();
    try {
      for (;;) {
        opts.signal?.throwIfAborted();
        const gen = this.generation;
        const k = this.queue.position(ticket);
        const free = this.scan();
        const t = Date.now();
        for (const p of [...freeSince.keys()]) if (!free.includes(p)) freeSince.delete(p);
        for (const p of free) if (!freeSince.has(p)) freeSince.set(p, t);
        // the k-th oldest waiter takes the k-th free profile; a profile the waiters ahead leave free too long is fair game
        const mine = k < free.length ? [...free.slice(k), ...free.slice(0, k)] : free.filter((p) => t - freeSince.get(p)! >= TURN_GRACE_MS);
        const lease = await this.tryInOrder(mine, meta);
        if (lease) return done(lease, t0);
        if (opts.timeoutMs && now() - t0 >= opts.timeoutMs) throw new LeaseTimeoutError(this.describeWait(opts.timeoutMs));
        if (t - touched > 10_000) {
          this.queue.touch(ticket);
          touched = t;
        }
        const left = opts.timeoutMs ? Math.max(1, opts.timeoutMs - (now() - t0)) : POLL_MS;
        await this.wait(gen, Math.min(free.length > 0 ? TURN_GRACE_MS : POLL_MS, left), opts.signal);
      }
    } finally {
      this.queue.leave(ticket);
    }
  }

  /**
   * Ends a lease's use (its audit line; its clients stop) and keeps its lock for this process's next acquire, which
   * then costs no lock dir: only while nobody waits, and for KEEP_MS at most. Each test still has its own lease.
   */
  async park(lease: Lease): Promise<void> {
    await this.releaseKept();
    const lock = this.queue.isEmpty() ? this.store.park(lease) : undefined;
    if (!lock) {
      await lease.release();
      return;
    }
    const timer = setTimeout(() => void this.releaseKept(), KEEP_MS);
    timer.unref(); // an idle worker may exit: the lock is freed on exit (proper-lockfile's handler)
    this.parked = { lock, timer };
    this.watchLine();
  }

  /** Frees the parked lock, if any. */
  async releaseKept(): Promise<void> {
    const lock = this.unpark();
    if (lock) await this.store.releaseParked(lock);
  }

  /** Stops watching the lease dir (the pool stays usable; the next wait watches again). */
  close(): void {
    for (const w of this.watchers ?? []) w.close();
    this.watchers = undefined;
    this.lineWatch?.close();
    this.lineWatch = undefined;
  }

  private unpark(): Parked | undefined {
    const p = this.parked;
    this.parked = undefined;
    if (p) clearTimeout(p.timer);
    return p?.lock;
  }

  /** A ticket in the waiting line (another worker, run or deploy) frees the parked lock at once. */
  private watchLine(): void {
    if (this.lineWatch) return;
    try {
      this.lineWatch = watch(this.queue.dir, { persistent: false }, () => {
        if (this.parked && !this.queue.isEmpty()) void this.releaseKept();
      });
      this.lineWatch.on('error', () => undefined);
    } catch {
      // no watch support: KEEP_MS still bounds the wait
    }
  }

  /** Free profiles now, after breaking the locks of dead (or stale) holders. */
  private scan(): string[] {
    const free: string[] = [];
    for (const p of this.profiles) {
      const v = this.store.view(p);
      if (!v || (v.verdict !== 'live' && this.store.breakIfDead(p, v))) free.push(p);
    }
    return free;
  }

  private async tryInOrder(profiles: readonly string[], meta: LeaseMeta): Promise<Lease | undefined> {
    for (const p of profiles) {
      const lease = await this.store.tryAcquire(p, meta);
      if (lease) return lease;
    }
    return undefined;
  }

  private rotated(by: number): string[] {
    const i = by % this.profiles.length;
    return [...this.profiles.slice(i), ...this.profiles.slice(0, i)];
  }

  private startWatching(): void {
    if (this.watchers) return;
    // only a lock appearing or going away can free a profile (or move our place in line: the waiter ahead took one)
    const locks = new Set(this.profiles.map((p) => path.basename(this.store.lockPath(p))));
    const kick = (_event: string, name: string | Buffer | null): void => {
      if (name !== null && !locks.has(String(name))) return;
      this.generation += 1;
      for (const wake of [...this.sleepers]) wake();
    };
    this.watchers = [this.store.dir].flatMap((d) => {
      try {
        const w = watch(d, { persistent: false }, kick);
        w.on('error', () => undefined);
        return [w];
      } catch {
        return []; // no watch support: the poll still finds free profiles
      }
    });
  }

  private wait(gen: number, ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.generation !== gen) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', finish);
        this.sleepers.delete(finish);
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.sleepers.add(finish);
      signal?.addEventListener('abort', finish, { once: true });
    });
  }

  /** "No profile of pool [a, b] came free within 30 s: a held by pid 12 (test "x", 31 s) ...". */
  describeWait(timeoutMs: number): string {
    const holders = this.profiles.map((p) => {
      const v = this.store.view(p);
      if (!v) return `${p} free`;
      const o = v.owner;
      if (!o) return `${p} held (no owner record yet)`;
      const what = o.kind === 'deploy' ? `deploy ${o.run ?? ''}`.trim() : o.test ? `test "${o.test}"` : o.file ? `file ${o.file}` : 'no test';
      return `${p} held by pid ${o.pid} on ${o.host} (${what}, for ${secs(now() - o.start)})`;
    });
    return `No profile of the pool [${this.profiles.join(', ')}] came free within ${secs(timeoutMs)}: ${holders.join('; ')}; raise --lease-timeout, add profiles, or lower --jobs.`;
  }
}

function done(lease: Lease, t0: number): Lease {
  lease.waitMs = now() - t0;
  return lease;
}
