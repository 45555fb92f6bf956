// Opt-in phase trace of `uber test` (UBER_TRACE=1 or --debug): when each phase began in uber, mocha and its workers.
// Every process appends `{pid, role, phase, t}` lines to one file named by UBER_TRACE_FILE; uber prints the merged
// timeline at the end, in ms since uber's own process started. Only node:fs is imported: tracing must not cost start-up.
import { appendFileSync, readFileSync } from 'node:fs';

export const TRACE_ENV = 'UBER_TRACE_FILE';

export interface TraceMark {
  readonly pid: number;
  readonly role: string;
  readonly phase: string;
  /** Epoch ms. */
  readonly t: number;
}

const epoch = (): number => performance.timeOrigin + performance.now();

/** Appends one phase mark when tracing is on (a no-op otherwise); `at` defaults to now. */
export function mark(role: string, phase: string, at: number = epoch(), env: NodeJS.ProcessEnv = process.env): void {
  const file = env[TRACE_ENV];
  if (!file) return;
  try {
    appendFileSync(file, `${JSON.stringify({ pid: process.pid, role, phase, t: at } satisfies TraceMark)}\n`);
  } catch {
    // a trace must never break a run
  }
}

/** Marks this process's own start (node's time origin): the time before any of our code ran. */
export function markProcessStart(role: string, env: NodeJS.ProcessEnv = process.env): void {
  mark(role, 'process started', performance.timeOrigin, env);
}

export function readTrace(file: string): TraceMark[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: TraceMark[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as TraceMark);
    } catch {
      // torn line
    }
  }
  return out.sort((a, b) => a.t - b.t);
}

/**
 * The timeline as text: one line per mark, ms since `origin`, the gap since the previous mark of the same process,
 * and for workers only their first occurrence of each phase (a worker repeats per-file phases for every file).
 */
export function renderTrace(marks: readonly TraceMark[], origin: number): string {
  const seen = new Set<string>();
  const last = new Map<number, number>();
  const lines: string[] = [];
  for (const m of marks) {
    const key = `${m.pid}:${m.phase}`;
    const prev = last.get(m.pid);
    last.set(m.pid, m.t);
    if (seen.has(key)) continue;
    seen.add(key);
    const gap = prev === undefined ? '' : ` (+${(m.t - prev).toFixed(0)})`;
    lines.push(`${(m.t - origin).toFixed(0).padStart(6)} ms  ${`${m.role} ${m.pid}`.padEnd(18)} ${m.phase}${gap}`);
  }
  return lines.join('\n');
}
