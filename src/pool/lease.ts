// One lease of a shared pool: heartbeats every lease/6; past its deadline without one it stops (clients refuse) rather than run on.
import { appendAudit, type AuditRecord } from '../lease/audit.js';
import { now } from '../lease/clock.js';
import { LeaseEndedError, type HeldLease } from '../lease/lease.js';
import type { Holder, LeaseItem, LeaseTable } from '../dynamo/lease.js';

export interface SharedLeaseOptions {
  readonly table: LeaseTable;
  readonly profile: string;
  readonly holder: Holder;
  readonly token: number;
  readonly leaseMs: number;
  /** When the take was sent (this clock): the lease's first deadline is this + leaseMs. */
  readonly sentAt: number;
  readonly audit: string | undefined;
  /** Who held it before, when it was taken back from a dead holder. */
  readonly reclaimedFrom: string | undefined;
  readonly onLost?: ((lease: SharedLease, err: Error) => void) | undefined;
}

export class SharedLease implements HeldLease {
  readonly profile: string;
  readonly leaseId: string;
  readonly start: number;
  readonly token: number;
  waitMs = 0;
  /** The holder must stop using the account by then (this process's clock): the last heartbeat sent that landed + leaseMs. */
  private deadline: number;
  private ended = false;
  private problem: Error | undefined;
  private beating = false;
  private readonly controller = new AbortController();
  private readonly beatTimer: NodeJS.Timeout;
  private deadlineTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: SharedLeaseOptions) {
    this.profile = o.profile;
    this.leaseId = o.holder.leaseId;
    this.token = o.token;
    this.start = now();
    this.deadline = o.sentAt + o.leaseMs;
    this.beatTimer = setInterval(() => void this.beat(), Math.max(50, Math.floor(o.leaseMs / 6)));
    this.beatTimer.unref();
    this.armDeadline();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Held, and not past the deadline (checked on the clock, so a process stopped past it refuses at once when it wakes). */
  get active(): boolean {
    if (this.ended || this.problem) return false;
    if (now() >= this.deadline) {
      this.lose(new Error(`no heartbeat reached the pool within the lease time (${Math.round(this.o.leaseMs / 1000)} s)`));
      return false;
    }
    return true;
  }

  get compromised(): Error | undefined {
    return this.problem;
  }

  assertActive(what = 'this lease'): void {
    if (this.active) return;
    if (this.problem) throw this.problem;
    throw new LeaseEndedError(`${what} belongs to lease ${this.leaseId} on profile "${this.profile}"${this.o.holder.test ? ` (test "${this.o.holder.test}")` : ''}, which has ended; create clients inside the test and do not use them after it.`);
  }

  private armDeadline(): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(() => void this.active, Math.max(0, this.deadline - now()) + 1);
    this.deadlineTimer.unref();
  }

  private async beat(): Promise<void> {
    if (this.beating || !this.active) return;
    this.beating = true;
    const at = now();
    try {
      const r = await this.o.table.heartbeat(this.profile, this.leaseId, this.token, { now: at, leaseMs: this.o.leaseMs });
      if (r === 'fenced') this.lose(new Error('another holder took the account (its fencing token moved on)'));
      else if (!this.ended && !this.problem) {
        this.deadline = Math.max(this.deadline, at + this.o.leaseMs);
        this.armDeadline();
      }
    } catch {
      // the table gave up for now; the next beat tries again, and the deadline stops the test if none lands
    } finally {
      this.beating = false;
    }
  }

  private record(end: number, ended: NonNullable<AuditRecord['ended']>): AuditRecord {
    const h = this.o.holder;
    return {
      leaseId: this.leaseId, profile: this.profile, pid: h.pid, file: h.file, test: h.test, ...(h.kind === 'deploy' ? { kind: 'deploy' as const } : {}),
      start: this.start, end, ended, host: h.host, ...(h.run ? { run: h.run } : {}), pool: this.o.table.table, token: this.token, who: h.who,
      ...(this.o.reclaimedFrom ? { reclaimedFrom: this.o.reclaimedFrom } : {}),
    };
  }

  /** Lost: the test is stopped (signal, onLost), logged as used up to the deadline, and the item freed if still ours. */
  private lose(cause: Error): void {
    if (this.problem || this.ended) return;
    this.problem = new LeaseEndedError(
      `The shared-pool lease on profile "${this.profile}" was lost while the test held it (${cause.message}); the test was stopped so it cannot act on an account another holder may now use.`,
    );
    this.stopTimers();
    if (this.o.audit) appendAudit(this.o.audit, this.record(Math.min(now(), this.deadline), 'lost'));
    this.controller.abort(this.problem);
    this.o.onLost?.(this, this.problem);
    // a late release: refused (fenced) when another holder has it, else it frees the account sooner than expiry
    void this.o.table.release(this.profile, this.leaseId, this.token, { dirty: false }).catch(() => undefined);
  }

  private stopTimers(): void {
    clearInterval(this.beatTimer);
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
  }

  /**
   * Ends this lease's use (its audit line, its signal: clients stop) but leaves the item held, for this process's next
   * test to follow on (SharedPool.park). The item as it stands; undefined when the lease has ended or was lost.
   */
  keep(): LeaseItem | undefined {
    if (this.ended || !this.active) return undefined;
    this.ended = true;
    this.stopTimers();
    if (this.o.audit) appendAudit(this.o.audit, this.record(now(), 'released'));
    this.controller.abort(new LeaseEndedError(`lease ${this.leaseId} on "${this.profile}" ended`));
    const h = this.o.holder;
    return { ...h, profile: this.profile, state: 'held', token: this.token, since: this.start, beat: this.start, expires: this.deadline, dirty: false, reclaimedFrom: '', kept: true, ticket: '' };
  }

  /**
   * Frees the account. The audit line ends when the release is sent (after it lands another holder may start);
   * 'fenced' means the item named a later holder while this one still believed it held it: logged so the checker sees it.
   */
  async release(options: { dirty?: boolean } = {}): Promise<AuditRecord | undefined> {
    if (this.ended) return undefined;
    const wasActive = this.active;
    this.ended = true;
    this.stopTimers();
    if (!wasActive) return undefined; // lost: already logged
    const rec = this.record(now(), 'released');
    let outcome: 'ok' | 'fenced' | 'failed';
    try {
      outcome = await this.o.table.release(this.profile, this.leaseId, this.token, { dirty: options.dirty ?? false });
    } catch {
      outcome = 'failed'; // the item expires on its own after the lease time
    }
    const final = outcome === 'fenced' ? { ...rec, ended: 'fenced' as const } : rec;
    if (this.o.audit) appendAudit(this.o.audit, final);
    this.controller.abort(new LeaseEndedError(`lease ${this.leaseId} on "${this.profile}" ended`));
    return final;
  }
}
