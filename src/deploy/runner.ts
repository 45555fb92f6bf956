// Runs the plan: bounded by concurrency and per-profile limits, retries transient failures, returns outcomes as data.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { backoff, type BackoffOptions } from '../failure/backoff.js';
import type { EnvMode } from '../isolation/env.js';
import type { Redactor } from '../redact.js';
import type { DeployAttempt } from '../state/state.js';
import { runAttempt } from './attempt.js';
import { epochMs, type DeployEvent, type PairOutcome } from './events.js';
import { RedactedLog, tailLines } from './log.js';
import type { Pair } from './plan.js';

export interface RunnerOptions {
  readonly pairs: readonly Pair[];
  readonly concurrency: number;
  readonly perProfile: number;
  /** Extra attempts for transient failures. */
  readonly retries: number;
  readonly timeoutMs: number;
  readonly graceMs?: number | undefined;
  readonly failFast: boolean;
  /** Aborted on SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** .uber/logs: logs go to <logDir>/<profile>/<repo>--<service-slug>.log */
  readonly logDir: string;
  readonly redactor: Redactor;
  readonly keepTemp?: boolean | undefined;
  /** deploy.env: which of the parent's variables each deploy sees. */
  readonly envMode?: EnvMode | undefined;
  readonly tempParent?: string | undefined;
  readonly backoff?: BackoffOptions | undefined;
  readonly onEvent?: ((e: DeployEvent) => void) | undefined;
}

interface Item {
  readonly pair: Pair;
  readonly log: RedactedLog;
  readonly delays: Generator<number, never>;
  readonly attempts: DeployAttempt[];
  readonly kept: string[];
  readyAt: number;
}

export const TAIL_LINES = 20;

/** Resolves once every pair has an outcome (ok, no-op, failed, cancelled), in plan order. */
export async function runDeploys(o: RunnerOptions): Promise<PairOutcome[]> {
  const emit = o.onEvent ?? (() => undefined);
  const cancel = new AbortController();
  const onAbort = (): void => cancel.abort(o.signal.reason);
  if (o.signal.aborted) onAbort();
  o.signal.addEventListener('abort', onAbort, { once: true });
  const tempParent = await mkdtemp(path.join(o.tempParent ?? os.tmpdir(), 'uber-deploy-'));
  const outcomes = new Map<Pair, PairOutcome>();
  const queue: Item[] = o.pairs.map((pair) => ({
    pair,
    log: new RedactedLog(path.join(o.logDir, pair.profile, `${pair.slug}.log`), o.redactor),
    delays: backoff(o.backoff),
    attempts: [],
    kept: [],
    readyAt: 0,
  }));
  const perProfile = new Map<string, number>();
  const removals: Promise<unknown>[] = [];
  let running = 0;
  let limit = Math.max(1, o.concurrency);
  let wake: NodeJS.Timeout | undefined;
  let finish!: () => void;
  const allDone = new Promise<void>((resolve) => (finish = resolve));

  const settle = async (item: Item, status: PairOutcome['status'], extra: Partial<PairOutcome> = {}): Promise<void> => {
    await item.log.close();
    const first = item.attempts[0]?.start;
    const last = item.attempts.at(-1)?.end;
    const outcome: PairOutcome = {
      pair: item.pair,
      status,
      attempts: item.attempts,
      durationMs: first !== undefined && last !== undefined ? Math.round(last - first) : 0,
      log: item.log.logPath,
      tail: [],
      kept: item.kept,
      ...extra,
    };
    outcomes.set(item.pair, outcome);
    emit({ kind: 'done', outcome });
    if (outcomes.size === o.pairs.length) finish();
  };

  const cancelQueued = (): void => {
    for (const item of queue.splice(0)) void settle(item, 'cancelled', { rule: 'cancelled' });
  };
  cancel.signal.addEventListener('abort', () => {
    clearTimeout(wake);
    cancelQueued();
  });

  const start = async (item: Item): Promise<void> => {
    running += 1;
    perProfile.set(item.pair.profile, (perProfile.get(item.pair.profile) ?? 0) + 1);
    const n = item.attempts.length + 1;
    emit({ kind: 'start', pair: item.pair, attempt: n });
    const begin = epochMs();
    const res = await runAttempt({
      pair: item.pair, attempt: n, env: o.env, cwd: o.cwd, tempParent, keepTemp: o.keepTemp ?? false,
      timeoutMs: o.timeoutMs, graceMs: o.graceMs ?? 5000, signal: cancel.signal, log: item.log, redactor: o.redactor, envMode: o.envMode,
      cleanup: (removal) => removals.push(removal.catch(() => undefined)),
    });
    const { verdict } = res;
    item.attempts.push({ start: begin, end: epochMs(), outcome: verdict.class });
    if (res.kept) item.kept.push(res.kept);
    running -= 1;
    perProfile.set(item.pair.profile, (perProfile.get(item.pair.profile) ?? 1) - 1);
    const tail = tailLines(res.output, TAIL_LINES);
    if (verdict.class === 'ok' || verdict.class === 'no-op') {
      pump(); // the slot is free: start the next deploy before the bookkeeping
      await settle(item, verdict.class, { rule: verdict.rule });
    } else if (verdict.class === 'cancelled' || (cancel.signal.aborted && verdict.class !== 'permanent')) {
      await settle(item, 'cancelled', { rule: 'cancelled', tail });
    } else if (verdict.class === 'transient' && n <= o.retries) {
      if (verdict.lowerConcurrency && limit > 1) {
        limit = Math.max(1, Math.floor(limit / 2));
        emit({ kind: 'concurrency', limit, rule: verdict.rule });
      }
      const delayMs = item.delays.next().value;
      item.readyAt = Date.now() + delayMs;
      item.log.note(`=== retrying in ${delayMs} ms (${verdict.rule})`);
      emit({ kind: 'retry', pair: item.pair, attempt: n + 1, delayMs, rule: verdict.rule });
      queue.unshift(item);
    } else {
      await settle(item, 'failed', { failureClass: verdict.class === 'transient' ? 'transient' : 'permanent', rule: verdict.rule, tail });
      if (o.failFast && verdict.class === 'permanent' && !cancel.signal.aborted) cancel.abort(new Error('fail-fast'));
    }
    pump();
  };

  const pump = (): void => {
    if (cancel.signal.aborted) return;
    clearTimeout(wake);
    const now = Date.now();
    let nextReady = Infinity;
    for (let i = 0; i < queue.length && running < limit; ) {
      const item = queue[i]!;
      if (item.readyAt > now) {
        nextReady = Math.min(nextReady, item.readyAt);
        i += 1;
      } else if ((perProfile.get(item.pair.profile) ?? 0) >= o.perProfile) i += 1;
      else {
        queue.splice(i, 1);
        void start(item).catch((e: unknown) => {
          // a bug in uber, not in the deploy: report it as this pair's failure instead of losing it
          running -= 1;
          perProfile.set(item.pair.profile, (perProfile.get(item.pair.profile) ?? 1) - 1);
          void settle(item, 'failed', { failureClass: 'permanent', rule: 'internal-error', tail: [String((e as Error)?.message ?? e)] }).then(pump);
        });
      }
    }
    if (nextReady !== Infinity && running < limit) wake = setTimeout(pump, nextReady - now);
  };

  try {
    if (o.pairs.length === 0) finish();
    else if (cancel.signal.aborted) cancelQueued();
    else pump();
    await allDone;
  } finally {
    await Promise.all(removals);
    o.signal.removeEventListener('abort', onAbort);
    clearTimeout(wake);
    if (!o.keepTemp) await rm(tempParent, { recursive: true, force: true, maxRetries: 3 });
  }
  return o.pairs.map((p) => outcomes.get(p)!);
}
