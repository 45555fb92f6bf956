// The lease store: one proper-lockfile lock dir per profile in a shared lease dir; take, inspect, break dead ones.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { appendAudit } from './audit.js';
import { breakLock, viewLock, type LockView } from './breaker.js';
import { now } from './clock.js';
import { Lease } from './lease.js';
import { LockFs, OWNER_FILE } from './lockfs.js';
import { holderFields, HOST, newLeaseId, ownerIsDead, ownerJson, readOwner, SELF_START, type Owner } from './owner.js';

/** Default stale window: a lock whose mtime (refreshed every staleMs/3) is older than this may be broken. */
export const DEFAULT_STALE_MS = 10_000;
/** proper-lockfile's own stale takeover is not atomic; uber breaks locks itself (breaker.ts), so it is switched off. */
const NEVER = 2 ** 40;

export interface LeaseMeta {
  readonly file?: string | null | undefined;
  readonly test?: string | null | undefined;
  /** A deploy's hold on the account (test and file stay null); tests leave it out. */
  readonly kind?: 'test' | 'deploy' | undefined;
  /** The deploy's run id. */
  readonly run?: string | null | undefined;
}

export interface StoreOptions {
  readonly dir: string;
  readonly staleMs?: number | undefined;
  /** Audit log path; default <dir>/audit.jsonl; false to log nothing. */
  readonly audit?: string | false | undefined;
  /** The run taking leases through this store (src/run/id.ts); written into each lease's audit line. */
  readonly run?: string | undefined;
  /** Called when a held lease turns out to be compromised (its lock was broken while held). */
  readonly onCompromised?: ((lease: Lease, err: Error) => void) | undefined;
}

/** A lock this process holds, and the lease using it now (none while parked). */
export interface Hold {
  readonly lockPath: string;
  unlock: () => Promise<void>;
  current: Lease | undefined;
  /** Set when proper-lockfile found the lock taken from us. */
  broken: Error | undefined;
}

/** A lock kept between two uses (LeaseStore.park → resume or releaseParked). */
export interface Parked {
  readonly profile: string;
  /** The owner record the lock names (its last use's). */
  readonly owner: Owner;
  readonly hold: Hold;
}

export class LeaseStore {
  readonly dir: string;
  readonly staleMs: number;
  readonly audit: string | undefined;
  private readonly fs = new LockFs();
  private readonly live = new Map<string, Lease>();
  private readonly holds = new WeakMap<Lease, Hold>();

  constructor(private readonly opts: StoreOptions) {
    this.dir = opts.dir;
    this.staleMs = opts.staleMs ?? DEFAULT_STALE_MS;
    this.audit = opts.audit === false ? undefined : (opts.audit ?? path.join(opts.dir, 'audit.jsonl'));
    mkdirSync(this.dir, { recursive: true });
    this.fs.onExitRelease = (lockPath, leaseId) => {
      const l = this.live.get(lockPath);
      if (!l || l.leaseId !== leaseId || !this.audit || !l.stillOwned()) return;
      const o = l.owner;
      appendAudit(this.audit, { leaseId, profile: l.profile, pid: o.pid, file: o.file, test: o.test, ...holderFields(o), start: l.start, end: now(), ended: 'exit', host: o.host });
    };
  }

  lockPath(profile: string): string {
    return path.join(this.dir, `${encodeURIComponent(profile)}.lock`);
  }

  /** Takes the profile's lock if it is free right now; never waits, never breaks. */
  async tryAcquire(profile: string, meta: LeaseMeta = {}): Promise<Lease | undefined> {
    const lockPath = this.lockPath(profile);
    if (existsSync(lockPath)) return undefined;
    const owner: Owner = {
      leaseId: newLeaseId(),
      profile,
      host: HOST,
      pid: process.pid,
      pidStart: SELF_START,
      file: meta.file ?? null,
      test: meta.test ?? null,
      ...(meta.kind === 'deploy' ? { kind: 'deploy' as const } : {}),
      ...((meta.run ?? this.opts.run) ? { run: meta.run ?? this.opts.run } : {}),
      start: now(),
      confirmed: false,
    };
    const hold: Hold = { lockPath, unlock: () => Promise.resolve(), current: undefined, broken: undefined };
    this.fs.pending.set(lockPath, ownerJson(owner));
    try {
      hold.unlock = await lockfile.lock(lockPath.slice(0, -'.lock'.length), {
        lockfilePath: lockPath,
        realpath: false,
        retries: 0,
        stale: NEVER,
        update: Math.max(1000, Math.floor(this.staleMs / 3)),
        fs: this.fs,
        onCompromised: (err) => {
          hold.broken = err;
          if (!hold.current) return; // parked: the next use finds it broken and takes a fresh lock
          hold.current.markCompromised(err);
          this.opts.onCompromised?.(hold.current, err);
        },
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ELOCKED' || (e as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
      throw e;
    } finally {
      this.fs.pending.delete(lockPath);
    }
    this.fs.held.set(lockPath, owner.leaseId);
    const lease = this.use(hold, owner);
    // the lease starts now, not when taking it began: rewrite start in place (same length, same dir mtime)
    const confirmed = ownerJson({ ...owner, start: lease.start, confirmed: true });
    const fd = openSync(`${lockPath}/${OWNER_FILE}`, 'r+');
    try {
      writeSync(fd, confirmed, 0);
    } finally {
      closeSync(fd);
    }
    return lease;
  }

  /** One use of a held lock: a Lease whose release frees the lock. */
  private use(hold: Hold, owner: Owner): Lease {
    const lease = new Lease(owner, hold.lockPath, this.audit, async () => {
      if (this.live.get(hold.lockPath) === lease) this.live.delete(hold.lockPath);
      hold.current = undefined;
      await hold.unlock();
    });
    hold.current = lease;
    this.holds.set(lease, hold);
    this.live.set(hold.lockPath, lease);
    return lease;
  }

  /**
   * Ends `lease`'s use (its audit line, its signal) but keeps the lock, so this process's next test can use the
   * account without taking the lock again (a lock dir costs ~2 ms of mkdir, rename and rm on ext4). Undefined when
   * it cannot be kept: ended or not this store's (release it instead), or lost meanwhile (then it has ended here).
   */
  park(lease: Lease): Parked | undefined {
    const lockPath = this.lockPath(lease.profile);
    const hold = this.holds.get(lease);
    if (!hold || hold.current !== lease || hold.broken || !lease.active) return undefined;
    const ours = lease.endUse() !== undefined; // the audit line, when the lock still names this lease
    hold.current = undefined;
    this.live.delete(lockPath);
    if (ours) return { profile: lease.profile, owner: lease.owner, hold };
    void hold.unlock().catch(() => undefined); // lost meanwhile: stop refreshing it; whoever took it keeps it
    return undefined;
  }

  /**
   * The next use of a parked lock: a new lease (its own id, test and start, written into the lock's owner record
   * in place: the lock dir's mtime, which proper-lockfile watches, does not change). Undefined when the lock was
   * lost meanwhile; release the parked lock then.
   */
  resume(parked: Parked, meta: LeaseMeta = {}): Lease | undefined {
    const { hold } = parked;
    if (hold.broken || hold.current) return undefined;
    const owner: Owner = { ...parked.owner, leaseId: newLeaseId(), file: meta.file ?? null, test: meta.test ?? null, start: now(), confirmed: true };
    const ownerFile = path.join(hold.lockPath, OWNER_FILE);
    try {
      const before = readOwner(ownerFile);
      if (before?.leaseId !== parked.owner.leaseId) return undefined;
      const json = ownerJson(owner);
      const fd = openSync(ownerFile, 'r+');
      try {
        // never shorter than what it replaces (JSON allows trailing spaces): a reader never sees a cut record
        writeSync(fd, json.padEnd(fstatSync(fd).size, ' '), 0);
      } finally {
        closeSync(fd);
      }
    } catch {
      return undefined;
    }
    this.fs.held.set(hold.lockPath, owner.leaseId);
    return this.use(hold, owner);
  }

  /** Frees a parked lock (when the lock was lost meanwhile, whoever took it keeps it). */
  async releaseParked(parked: Parked): Promise<void> {
    if (parked.hold.current) return;
    await parked.hold.unlock().catch(() => undefined);
  }

  /** The profile's lock as seen now (undefined = free). */
  view(profile: string): LockView | undefined {
    return viewLock(this.lockPath(profile), this.staleMs);
  }

  /** Breaks the profile's lock if it is still `observed` and still dead or stale; logs the broken lease. */
  breakIfDead(profile: string, observed: LockView): boolean {
    const broken = breakLock(this.lockPath(profile), observed, this.staleMs);
    if (!broken) return false;
    const o = broken.owner;
    if (o && this.audit) {
      // an unconfirmed owner died before it knew it held the lock: it never used the account
      const end = broken.at;
      appendAudit(this.audit, { leaseId: o.leaseId, profile, pid: o.pid, file: o.file, test: o.test, ...holderFields(o), start: o.confirmed ? o.start : end, end, ended: broken.verdict === 'dead' ? 'dead' : 'stale', host: o.host });
    }
    return true;
  }

  /** Breaks every lock in the dir whose owner died on this host (after a run, or a crash); returns the profiles freed. */
  sweepDead(): string[] {
    const freed: string[] = [];
    for (const name of safeList(this.dir)) {
      const full = path.join(this.dir, name);
      const m = /^(.+)\.lock$/.exec(name);
      if (m) {
        const profile = decodeURIComponent(m[1]!);
        const v = this.view(profile);
        if (v && v.verdict === 'dead' && this.breakIfDead(profile, v)) freed.push(profile);
        continue;
      }
      // leftovers of a process that died between mkdir and rename
      const tmp = /\.lock\.(?:new|rm)-(\d+)-[0-9a-f]+$/.exec(name);
      if (tmp && ownerIsDead({ host: HOST, pid: Number(tmp[1]), pidStart: null })) rmSync(full, { recursive: true, force: true });
    }
    return freed;
  }

  /** Checks the lease dir can be written (a probe lock); throws the fs error otherwise. */
  probeWritable(): void {
    const probe = path.join(this.dir, `.probe-${process.pid}`);
    mkdirSync(probe);
    rmSync(probe, { recursive: true, force: true });
    statSync(this.dir);
  }
}


function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
