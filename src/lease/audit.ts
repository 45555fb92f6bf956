// The lease audit log (.uber/leases/audit.jsonl): one line per lease, read from a mark, rotated, and the overlap checker.
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';

export interface AuditRecord {
  leaseId: string;
  profile: string;
  pid: number;
  file: string | null;
  test: string | null;
  /** What held the account: a test (absent: a test) or a deploy (test and file null). */
  kind?: 'test' | 'deploy';
  /** Epoch ms (performance.timeOrigin + performance.now()). */
  start: number;
  end: number;
  /**
   * How the lease ended: released by its holder, or broken by another process (owner dead, or lock stale). A shared
   * pool's lease also ends 'reclaimed' (taken back from a holder that stopped heartbeating: logged by the taker), 'lost'
   * (its holder could not heartbeat before its deadline and stopped), or 'fenced' (a later holder's token was found).
   */
  ended?: 'released' | 'dead' | 'stale' | 'exit' | 'reclaimed' | 'lost' | 'fenced';
  host?: string;
  /** The run that held the lease (src/run/id.ts); absent for leases taken outside a run. */
  run?: string;
  /** Shared pool only: the table, the fencing token, who held it (CI job or user@host pid). */
  pool?: string;
  token?: number;
  who?: string;
  /** Shared pool only: this lease took the account back from a dead holder (who that was). */
  reclaimedFrom?: string;
}

/** Appends one line; when the file's last line was torn (a crash mid-write), the new line starts on a fresh line. */
export function appendAudit(file: string, rec: AuditRecord): void {
  const fd = openSync(file, 'a+');
  try {
    const size = fstatSync(fd).size;
    let fresh = true;
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      fresh = last[0] === 0x0a;
    }
    writeSync(fd, `${fresh ? '' : '\n'}${JSON.stringify(rec)}\n`);
  } finally {
    closeSync(fd);
  }
}

export interface AuditRead {
  readonly records: AuditRecord[];
  /** Lines that were not a whole record (torn by a crash, or damaged): skipped. */
  readonly torn: number;
}

function isRecord(r: unknown): r is AuditRecord {
  const x = r as Partial<AuditRecord> | null;
  return typeof x === 'object' && x !== null && typeof x.profile === 'string' && typeof x.leaseId === 'string' && typeof x.start === 'number' && typeof x.end === 'number';
}

function parseLines(text: string, into: AuditRecord[]): number {
  let torn = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r: unknown = JSON.parse(line);
      if (isRecord(r)) into.push(r);
      else torn += 1;
    } catch {
      torn += 1;
    }
  }
  return torn;
}

const CHUNK = 1 << 20;

/** The lines of `file` from byte `from` on, read in chunks (never one string of the whole file). */
function readFrom(file: string, from: number, into: AuditRecord[]): number {
  if (!existsSync(file)) return 0;
  const fd = openSync(file, 'r');
  let torn = 0;
  try {
    const size = fstatSync(fd).size;
    let pos = Math.min(from, size);
    let carry = '';
    const buf = Buffer.alloc(CHUNK);
    while (pos < size) {
      const n = readSync(fd, buf, 0, Math.min(CHUNK, size - pos), pos);
      if (n <= 0) break;
      pos += n;
      const text = carry + buf.toString('utf8', 0, n);
      const cut = text.lastIndexOf('\n');
      torn += parseLines(text.slice(0, cut + 1), into);
      carry = text.slice(cut + 1);
    }
    torn += parseLines(carry, into); // a last line without its newline: whole if it parses, else torn
  } finally {
    closeSync(fd);
  }
  return torn;
}

/** Every record of the log, with the count of skipped lines. Reads the whole file: for tools and tests, not for runs. */
export function readAuditAll(file: string): AuditRead {
  const records: AuditRecord[] = [];
  const torn = readFrom(file, 0, records);
  return { records, torn };
}

/** Every parseable line of the log (a torn line is skipped). */
export function readAudit(file: string): AuditRecord[] {
  return readAuditAll(file).records;
}

/** Where the log ended when a run began: the run reads only what came after. */
export interface AuditMark {
  readonly ino: number;
  readonly size: number;
}

export function markAudit(file: string): AuditMark {
  try {
    const st = statSync(file);
    return { ino: st.ino, size: st.size };
  } catch {
    return { ino: -1, size: 0 };
  }
}

/** Rotated logs beside `file`: audit-<stamp>.jsonl, oldest first. */
export function rotatedAudits(file: string): string[] {
  const dir = path.dirname(file);
  const stem = path.basename(file, '.jsonl');
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(`${stem}-`) && n.endsWith('.jsonl'))
    .sort()
    .map((n) => path.join(dir, n));
}

/**
 * The records appended since `mark` (for one run: filtered by `run`), reading only that tail of the log. When the log
 * was rotated meanwhile, the rotated file that holds the mark is read from the mark, then the live one from its start.
 */
export function readAuditSince(file: string, mark: AuditMark, run?: string): AuditRead {
  const records: AuditRecord[] = [];
  let torn = 0;
  const now = markAudit(file);
  if (now.ino === mark.ino || mark.ino === -1) {
    torn += readFrom(file, mark.ino === -1 ? 0 : mark.size, records);
  } else {
    const rotated = rotatedAudits(file);
    const from = rotated.findIndex((f) => markAudit(f).ino === mark.ino);
    if (from >= 0) {
      torn += readFrom(rotated[from]!, mark.size, records);
      for (const f of rotated.slice(from + 1)) torn += readFrom(f, 0, records);
    }
    torn += readFrom(file, 0, records);
  }
  return { records: run === undefined ? records : records.filter((r) => r.run === run), torn };
}

/** Moves the log aside (audit-<stamp>.jsonl) once it is larger than `maxBytes`; appenders start a fresh file. Returns the new name. */
export function rotateAudit(file: string, maxBytes: number, at: Date = new Date()): string | undefined {
  const { size } = markAudit(file);
  if (size <= maxBytes) return undefined;
  const stem = path.basename(file, '.jsonl');
  const to = path.join(path.dirname(file), `${stem}-${at.toISOString().replace(/[-:.]/g, '')}-${process.pid}.jsonl`);
  try {
    renameSync(file, to); // atomic: a writer appends to the old file or the new one, never loses a line
  } catch {
    return undefined; // another run rotated it first
  }
  return to;
}

/** Removes rotated logs beyond the newest `keep`, and those older than `maxAgeMs`. */
export function pruneAudits(file: string, keep: number, maxAgeMs: number, nowMs: number = Date.now()): string[] {
  const rotated = rotatedAudits(file);
  const removed: string[] = [];
  rotated.forEach((f, i) => {
    const old = i < rotated.length - keep;
    let stale = false;
    try {
      stale = nowMs - statSync(f).mtimeMs > maxAgeMs;
    } catch {
      return;
    }
    if (old || stale) {
      rmSync(f, { force: true });
      removed.push(f);
    }
  });
  return removed;
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
/**
 * One record per lease: a lease can be logged twice (released by its holder, and its kept lock later broken after
 * the holder died); the earliest end is when the holder stopped using the account.
 */
export function uniqueLeases(records: readonly AuditRecord[]): AuditRecord[] {
  const byId = new Map<string, AuditRecord>();
  for (const r of records) {
    const prev = byId.get(r.leaseId);
    if (!prev || r.end < prev.end) byId.set(r.leaseId, r);
  }
  return [...byId.values()];
}

export function findOverlaps(records: readonly AuditRecord[], toleranceMs = 1): Overlap[] {
  const byProfile = new Map<string, AuditRecord[]>();
  for (const r of uniqueLeases(records)) byProfile.set(r.profile, [...(byProfile.get(r.profile) ?? []), r]);
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
