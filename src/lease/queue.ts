// The waiting line for a lease dir: one ticket file per waiter, served in arrival order (roughly FIFO across processes).
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HOST, ownerIsDead } from './owner.js';

/** A ticket from another host that was not refreshed for this long is dropped. */
const FOREIGN_TICKET_STALE_MS = 30_000;
const HOST_TAG = createHash('sha1').update(HOST).digest('hex').slice(0, 8);
let seq = 0;

export class Queue {
  readonly dir: string;

  constructor(leaseDir: string) {
    this.dir = path.join(leaseDir, 'queue');
    mkdirSync(this.dir, { recursive: true });
  }

  /** True when nobody is waiting (a cheap readdir; dead tickets are cleaned by the waiters' scans). */
  isEmpty(): boolean {
    return this.list().length === 0;
  }

  enter(): string {
    seq += 1;
    const name = `${String(Date.now()).padStart(15, '0')}-${String(seq).padStart(8, '0')}-${HOST_TAG}-${process.pid}`;
    writeFileSync(path.join(this.dir, name), '');
    return name;
  }

  leave(ticket: string): void {
    rmSync(path.join(this.dir, ticket), { force: true });
  }

  /** Keeps a long wait's ticket fresh for waiters on other hosts. */
  touch(ticket: string): void {
    const t = new Date();
    try {
      utimesSync(path.join(this.dir, ticket), t, t);
    } catch {
      writeFileSync(path.join(this.dir, ticket), '');
    }
  }

  /** 0-based place of `ticket` among live tickets; dead waiters' tickets are removed on the way. */
  position(ticket: string): number {
    let k = 0;
    for (const name of this.list()) {
      if (name === ticket) return k;
      if (this.isDead(name)) rmSync(path.join(this.dir, name), { force: true });
      else k += 1;
    }
    return k;
  }

  private isDead(name: string): boolean {
    const m = /-([0-9a-f]{8})-(\d+)$/.exec(name);
    if (!m) return true;
    if (m[1] === HOST_TAG) return ownerIsDead({ host: HOST, pid: Number(m[2]), pidStart: null });
    try {
      return Date.now() - statSync(path.join(this.dir, name)).mtimeMs > FOREIGN_TICKET_STALE_MS;
    } catch {
      return true;
    }
  }

  private list(): string[] {
    try {
      return readdirSync(this.dir).sort();
    } catch {
      return [];
    }
  }
}
