// The end of `uber run` in words: both phases, when each account was ready, and the time saved against deploy-then-test.
import { secs } from '../util/format.js';
import type { AccountChange } from './readiness.js';

export interface RunTimes {
  /** Epoch ms: uber run started (sync included). */
  readonly start: number;
  /** Epoch ms: the deploy phase returned. */
  readonly deployEnd: number;
  /** Epoch ms the test phase started and ended; absent when it never started. */
  readonly testStart?: number | undefined;
  readonly testEnd?: number | undefined;
  readonly end: number;
}

export interface Saving {
  readonly wallMs: number;
  /** Sync + deploys, then the test phase after them: what `uber deploy && uber test` would have taken, at best. */
  readonly sequentialMs: number;
  readonly savedMs: number;
}

/**
 * Deploy-then-test would run the test phase only after the deploy phase: its wall is at least the two phases end to
 * end. The test phase measured here ran partly beside deploys (some accounts not yet free), so this estimate errs
 * on the generous side for deploy-then-test; bench/run.ts measures both for real.
 */
export function saving(t: RunTimes): Saving {
  const wallMs = t.end - t.start;
  const testMs = t.testStart !== undefined && t.testEnd !== undefined ? t.testEnd - t.testStart : 0;
  const sequentialMs = t.deployEnd - t.start + testMs;
  return { wallMs, sequentialMs, savedMs: Math.max(0, sequentialMs - wallMs) };
}

export interface RunSummaryInput {
  readonly times: RunTimes;
  readonly accounts: readonly AccountChange[];
  /** Pairs by end: ok (deployed or nothing to change), failed, cancelled; skipped (repo not synced) and unchanged (not deployed). */
  readonly deploys: { readonly ok: number; readonly failed: number; readonly cancelled: number; readonly skipped?: number | undefined; readonly unchanged?: number | undefined };
  /** Test counts; absent when the test phase did not run. */
  readonly tests?: { readonly passed: number; readonly failed: number; readonly ok: boolean } | undefined;
  /** Why the test phase did not run, when it did not. */
  readonly noTests?: string | undefined;
}

export function renderRunSummary(r: RunSummaryInput): string {
  const at = (ms: number): string => `+${secs(ms - r.times.start)}`;
  const ready = r.accounts.filter((a) => a.state === 'ready');
  const failed = r.accounts.filter((a) => a.state === 'failed');
  const lines = [
    `uber run: deploys ${r.deploys.ok} ok, ${r.deploys.failed} failed${r.deploys.cancelled ? `, ${r.deploys.cancelled} cancelled` : ''}${r.deploys.skipped ? `, ${r.deploys.skipped} skipped` : ''}${r.deploys.unchanged ? `, ${r.deploys.unchanged} unchanged (not deployed)` : ''}; ` +
      `accounts ready for tests: ${ready.length ? ready.map((a) => `${a.profile} ${at(a.at)}`).join(', ') : 'none'}.`,
  ];
  const skipped = r.accounts.filter((a) => a.state === 'skipped');
  if (failed.length > 0) lines.push(`uber run: not tested (a deploy into it failed): ${failed.map((a) => a.profile).join(', ')}.`);
  if (skipped.length > 0) lines.push(`uber run: not tested (a repo did not sync, so its services were not deployed there): ${skipped.map((a) => a.profile).join(', ')}.`);
  const t = r.times;
  if (r.tests && t.testStart !== undefined && t.testEnd !== undefined) {
    const tried = r.deploys.ok + r.deploys.failed + r.deploys.cancelled + (r.deploys.skipped ?? 0);
    if (tried === 0) lines.push(`uber run: nothing to deploy (every service unchanged in every account), so the tests started at once (${at(t.testStart)}).`);
    lines.push(`uber run: tests ${r.tests.passed} passed, ${r.tests.failed} failed, from ${at(t.testStart)} to ${at(t.testEnd)} (deploys ended ${at(t.deployEnd)}).`);
    const s = saving(t);
    const share = s.sequentialMs > 0 ? Math.round((100 * s.savedMs) / s.sequentialMs) : 0;
    lines.push(`uber run: ${secs(s.wallMs)} in all; deploy then test would take about ${secs(s.sequentialMs)}: ${secs(s.savedMs)} saved (${share}%).`);
  } else {
    lines.push(`uber run: no tests ran: ${r.noTests ?? 'the test phase did not start'}; ${secs(t.end - t.start)} in all.`);
  }
  return lines.join('\n');
}
