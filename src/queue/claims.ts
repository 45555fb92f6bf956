// The claim journal: each worker notes which unit every stub it loaded took (and under which token), or that it took none.
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** One stub's claim: `n` null when the queue had nothing left for it. */
export interface ClaimRecord {
  /** The stub's spec key (relative to the test cwd, as mocha's records key it). */
  readonly stub: string;
  readonly n: number | null;
  /** The unit's spec file and, for a split file, which unit (what the machine's results are labelled with). */
  readonly item: { readonly file: string; readonly unit?: { readonly index: number; readonly count: number } | undefined } | null;
  readonly token: number;
  readonly attempts: number;
  readonly pid: number;
  readonly t: number;
}

export function claimsFile(runDir: string, pid: number): string {
  return path.join(runDir, `claims-${pid}.jsonl`);
}

export function appendClaim(runDir: string, r: ClaimRecord): void {
  appendFileSync(claimsFile(runDir, r.pid), `${JSON.stringify(r)}\n`);
}

/** Every claim noted in one attempt's folder, by stub (a torn last line is skipped). */
export function readClaims(runDir: string): Map<string, ClaimRecord> {
  const out = new Map<string, ClaimRecord>();
  if (!existsSync(runDir)) return out;
  for (const name of readdirSync(runDir)) {
    if (!/^claims-\d+\.jsonl$/.test(name)) continue;
    for (const line of readFileSync(path.join(runDir, name), 'utf8').split('\n')) {
      if (!line) continue;
      try {
        const r = JSON.parse(line) as ClaimRecord;
        out.set(r.stub, r);
      } catch {
        // torn by a crash
      }
    }
  }
  return out;
}
