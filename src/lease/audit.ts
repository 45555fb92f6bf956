// The lease audit log (.uber/leases/audit.jsonl): one line per lease, and the checker that proves no account was shared.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

export interface AuditRecord {
  leaseId: string;
  profile: string;
  pid: number;
  file: string | null;
  test: string | null;
  /** What held the account: a test (absent: a test) or a deploy (test and file null). */
  kind?: 'test' | 'deploy';
  /** The run that held it (deploys carry their run id). */
  run?: string | null;
  /** Epoch ms (performance.timeOrigin + performance.now()). */
  start: number;
  end: number;
  /** How the lease ended: released by its holder, or broken by another process (owner dead, or lock stale). */
  ended?: 'released' | 'dead' | 'stale' | 'exit';
  host?: string;
}

export function appendAudit(file: string, rec: AuditRecord): void {
  appendFileSync(file, `${JSON.stringify(rec)}\n`);
}

/** Every parseable line of the log (a line torn by a crash is skipped). */
export function readAudit(file: string): AuditRecord[] {
  if (!existsSync(file)) return [];
  const out: AuditRecord[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as AuditRecord;
      if (typeof r.profile === 'string' && typeof r.start === 'number' && typeof r.end === 'number') out.push(r);
    } catch {
      // torn line
    }
  }
  return out;
}

export interface Overlap {
  profile: string;
  a: AuditRecord;
  b: AuditRecord;
  /** How long both held the profile. */
  ms: number;
}

/**
 * Pairs of leases of one profile whose [start, end] intervals overlap by more than `toleranceMs` (clock noise
 * between processes). A lease logged twice (its holder and a breaker) counts once, with its earliest end.
 */
export function findOverlaps(records: readonly AuditRecord[], toleranceMs = 1): Overlap[] {
  const byId = new Map<string, AuditRecord>();
  for (const r of records) {
    const prev = byId.get(r.leaseId);
    if (!prev || r.end < prev.end) byId.set(r.leaseId, r);
  }
  const byProfile = new Map<string, AuditRecord[]>();
  for (const r of byId.values()) byProfile.set(r.profile, [...(byProfile.get(r.profile) ?? []), r]);
  const out: Overlap[] = [];
  for (const [profile, list] of byProfile) {
    list.sort((x, y) => x.start - y.start);
    let open: AuditRecord | undefined;
    for (const r of list) {
      if (open && r.start < open.end - toleranceMs) out.push({ profile, a: open, b: r, ms: Math.min(open.end, r.end) - r.start });
      if (!open || r.end > open.end) open = r;
    }
  }
  return out;
}

/** One line per overlap, for error messages. */
export function describeOverlap(o: Overlap): string {
  const who = (r: AuditRecord): string =>
    `pid ${r.pid}${r.test ? ` "${r.test}"` : ''}${r.file ? ` (${r.file})` : ''} [${new Date(r.start).toISOString()} +${(r.end - r.start).toFixed(1)} ms, ${r.ended ?? 'released'}, lease ${r.leaseId}]`;
  return `${o.profile}: ${who(o.a)} and ${who(o.b)} overlapped for ${o.ms.toFixed(1)} ms`;
}
