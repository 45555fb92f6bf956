// One held lease: the profile, who holds it, and its end (released, or compromised when another process broke it).
import path from 'node:path';
import type { ErrorCode } from '../errors/codes.js';
import { appendAudit, type AuditRecord } from './audit.js';
import { now } from './clock.js';
import { OWNER_FILE, removeOwned } from './lockfs.js';
import { holderFields, readOwner, type Owner } from './owner.js';

/** Thrown when code uses a lease (or a client bound to it) after the lease ended or was broken. */
export class LeaseEndedError extends Error {
  override readonly name = 'LeaseEndedError';
  readonly code = 'ERR_UBER_LEASE_ENDED' satisfies ErrorCode;
}

/** What a test or a deploy holds, from whichever store: a lock file here (Lease) or a shared pool's item (src/pool/lease.ts). */
export interface HeldLease {
  readonly profile: string;
  readonly leaseId: string;
  /** Epoch ms (clock.ts) when it was taken. */
  readonly start: number;
  /** Milliseconds spent waiting for a free profile. */
  waitMs: number;
  /** Aborted when the lease ends or is lost. */
  readonly signal: AbortSignal;
  readonly active: boolean;
  readonly compromised: Error | undefined;
  /** Throws a LeaseEndedError naming the lease when it is no longer held. */
  assertActive(what?: string): void;
  release(): Promise<unknown>;
}

/** Where leases come from: the lock-file pool (src/lease/pool.ts) or a shared DynamoDB pool (src/pool/pool.ts). */
export interface LeaseSource {
  acquire(meta?: LeaseMetaLike, opts?: { timeoutMs?: number | undefined; signal?: AbortSignal | undefined }): Promise<HeldLease>;
  /** Ends a lease after a test; the lock-file pool may keep its lock for this worker's next test, a shared pool releases it. */
  park(lease: HeldLease): Promise<void>;
  close(): void;
}

/** The lease's subject (LeaseMeta of store.ts, repeated here so this file needs no store). */
export interface LeaseMetaLike {
  readonly file?: string | null | undefined;
  readonly test?: string | null | undefined;
  readonly kind?: 'test' | 'deploy' | undefined;
  readonly run?: string | null | undefined;
}

export class Lease implements HeldLease {
  readonly profile: string;
  readonly leaseId: string;
  /** Epoch ms when the lock was taken. */
  readonly start: number;
  readonly owner: Owner;
  /** Milliseconds spent waiting for a free profile. */
  waitMs = 0;
  private ended = false;
  private problem: Error | undefined;
  private readonly controller = new AbortController();

  constructor(
    owner: Owner,
    private readonly lockPath: string,
    private readonly audit: string | undefined,
    private readonly unlock: () => Promise<void>,
  ) {
    this.start = now();
    this.owner = { ...owner, start: this.start, confirmed: true };
    this.profile = owner.profile;
    this.leaseId = owner.leaseId;
  }

  /** Aborted when the lease ends or is compromised; the reason says which. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get active(): boolean {
    return !this.ended && !this.problem;
  }

  get compromised(): Error | undefined {
    return this.problem;
  }

  /** True while the lock on disk still names this lease (a cheap synchronous read). */
  stillOwned(): boolean {
    return readOwner(path.join(this.lockPath, OWNER_FILE))?.leaseId === this.leaseId;
  }

  /** Throws a LeaseEndedError naming the lease when it is no longer held. */
  assertActive(what = 'this lease'): void {
    if (this.problem) throw this.problem;
    if (this.ended) throw new LeaseEndedError(`${what} belongs to lease ${this.leaseId} on profile "${this.profile}"${this.owner.test ? ` (test "${this.owner.test}")` : ''}, which has ended; create clients inside the test and do not use them after it.`);
    if (this.stillOwned()) return;
    this.markCompromised(new Error('the lock no longer names this lease'));
    throw this.problem ?? new LeaseEndedError(`${what} lost its lease`);
  }

  markCompromised(cause: Error): void {
    if (this.problem || this.ended) return;
    this.problem = new LeaseEndedError(
      `The lease on profile "${this.profile}" was lost while the test held it (${cause.message}): another process judged it stale and may now use that account; the test was stopped so it cannot act on someone else's lease.`,
    );
    this.controller.abort(this.problem);
  }

  /**
   * Ends this use of the account: appends its audit line and aborts its signal (clients bound to it stop). The lock
   * itself is freed by release(), or kept for the holder's next use (LeaseStore.park). Returns the audit record, or
   * undefined when the lock on disk no longer named this lease (another process broke it) and nothing was logged.
   */
  endUse(): AuditRecord | undefined {
    if (this.ended) return undefined;
    const ours = this.stillOwned();
    this.ended = true;
    let rec: AuditRecord | undefined;
    if (ours) {
      rec = { leaseId: this.leaseId, profile: this.profile, pid: process.pid, file: this.owner.file, test: this.owner.test, ...holderFields(this.owner), start: this.start, end: now(), ended: 'released', host: this.owner.host };
      if (this.audit) appendAudit(this.audit, rec);
    }
    this.controller.abort(this.problem ?? new LeaseEndedError(`lease ${this.leaseId} on "${this.profile}" ended`));
    return rec;
  }

  /** Frees the profile and appends the audit line; a lease broken by another process is left to that process. */
  async release(): Promise<AuditRecord | undefined> {
    if (this.ended) return undefined;
    const rec = this.endUse();
    await this.unlock().catch(() => undefined);
    // proper-lockfile forgets a lock it judged compromised; if the lock on disk still names us, free it here
    if (rec && this.stillOwned()) removeOwned(this.lockPath, this.leaseId);
    return rec;
  }
}
