// Runs the plan: bounded by concurrency and per-profile limits, accounts taken and freed, transient failures retried; returns outcomes as data.
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { backoff, type BackoffOptions } from '../failure/backoff.js';
import type { EnvMode } from '../isolation/env.js';
import { OWNER_MARKER, ownedTempDir } from '../isolation/temp.js';
import type { Redactor } from '../redact.js';
import type { DeployAttempt } from '../state/state.js';
import { runAttempt } from './attempt.js';
import { epochMs, type DeployEvent, type PairOutcome } from './events.js';
import { RedactedLog, tailLines } from './log.js';
import { PairStates } from './pair-state.js';
import type { Pair } from './plan.js';

/** Takes an account before the first deploy into it and frees it once every pair of it has settled. */
export interface AccountGate {
  /** Resolves once the profile is this run's; rejects with the sentence its pairs fail with (e.g. a lock timeout). */
  take(profile: string, signal: AbortSignal): Promise<void>;
  /** Every pair of the profile has its outcome (plan order): record them, free the account if taken. */
  settled(profile: string, outcomes: readonly PairOutcome[]): Promise<void>;
}

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
  /** This run's log folder: logs go to <logDir>/<profile>/<repo>--<service-slug>.log */
  readonly logDir: string;
  readonly redactor: Redactor;
  readonly keepTemp?: boolean | undefined;
  /** deploy.env: which of the parent's variables each deploy sees. */
  readonly envMode?: EnvMode | undefined;
  readonly tempParent?: string | undefined;
  readonly backoff?: BackoffOptions | undefined;
  /** Account locking; without it pairs start as soon as a slot is free. */
  readonly accounts?: AccountGate | undefined;
  /** Take every account at the start (plan order), not each when its first pair gets a slot. */
  readonly takeAccountsFirst?: boolean | undefined;
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

type Gate = { readonly state: 'taking' | 'held' } | { readonly state: 'refused'; readonly why: string };

export const TAIL_LINES = 20;

/** Resolves once every pair has an outcome (ok, no-op, failed, cancelled), in plan order. */
export async function runDeploys(o: RunnerOptions): Promise<PairOutcome[]> {
  let listenerError: Error | undefined;
  // a throwing listener is a bug to report, but it must not leave a pair half settled or counted twice
  const emit = (e: DeployEvent): void => {
    try {
      o.onEvent?.(e);
    } catch (err) {
      listenerError ??= err instanceof Error ? err : new Error(String(err));
    }
  };
  const cancel = new AbortController();
  const onAbort = (): void => cancel.abort(o.signal.reason);
  if (o.signal.aborted) onAbort();
  o.signal.addEventListener('abort', onAbort, { once: true });
  const tempParent = ownedTempDir(o.tempParent ?? os.tmpdir(), 'uber-deploy-');
  const outcomes = new Map<Pair, PairOutcome>();
  const items: Item[] = o.pairs.map((pair) => ({
    pair,
    log: new RedactedLog(path.join(o.logDir, pair.profile, `${pair.slug}.log`), o.redactor),
    delays: backoff(o.backoff),
    attempts: [],
    kept: [],
    readyAt: 0,
  }));
  const states = new PairStates<Item>(items, (i) => i.pair.profile);
  const gates = new Map<string, Gate>();
  const removals: Promise<unknown>[] = [];
  const closing: Promise<void>[] = [];
  const closed = new Set<string>();
  let limit = Math.max(1, o.concurrency);
  let wake: NodeJS.Timeout | undefined;
  let finish!: () => void;
  const allDone = new Promise<void>((resolve) => (finish = resolve));
  const waiting = (): Item[] => items.filter((i) => states.get(i) === 'queued' || states.get(i) === 'backoff');

  /** A profile's pairs all have outcomes: hand them to the account gate once. */
  const closeProfile = (profile: string): void => {
    if (closed.has(profile)) return;
    const own = o.pairs.filter((p) => p.profile === profile);
    if (!own.every((p) => outcomes.has(p))) return;
    closed.add(profile);
    if (o.accounts) closing.push(o.accounts.settled(profile, own.map((p) => outcomes.get(p)!)).catch(() => undefined));
  };

  const settle = async (item: Item, status: PairOutcome['status'], extra: Partial<PairOutcome> = {}): Promise<void> => {
    states.move(item, 'settled'); // first, synchronously: the counters are right before anything can throw
    await item.log.close().catch(() => undefined);
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
    closeProfile(item.pair.profile);
    if (outcomes.size === o.pairs.length) finish();
    emit({ kind: 'done', outcome });
  };

  const cancelWaiting = (): void => {
    for (const item of waiting()) void settle(item, 'cancelled', { rule: 'cancelled' });
  };
  cancel.signal.addEventListener('abort', () => {
    clearTimeout(wake);
    cancelWaiting();
  });

  const start = async (item: Item): Promise<void> => {
    states.move(item, 'running');
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
    const tail = tailLines(res.output, TAIL_LINES);
    if (verdict.class === 'ok' || verdict.class === 'no-op') {
      const done = settle(item, verdict.class, { rule: verdict.rule });
      pump(); // the slot is free: start the next deploy before the bookkeeping
      await done;
    } else if (verdict.class === 'cancelled' || (cancel.signal.aborted && verdict.class !== 'permanent')) {
      await settle(item, 'cancelled', { rule: 'cancelled', tail });
    } else if (verdict.class === 'transient' && n <= o.retries) {
      if (verdict.lowerConcurrency && limit > 1) {
        limit = Math.max(1, Math.floor(limit / 2));
        emit({ kind: 'concurrency', limit, rule: verdict.rule });
      }
      const delayMs = item.delays.next().value;
      states.move(item, 'backoff');
      item.readyAt = Date.now() + delayMs;
      item.log.note(`=== retrying in ${delayMs} ms (${verdict.rule})`);
      emit({ kind: 'retry', pair: item.pair, attempt: n + 1, delayMs, rule: verdict.rule });
    } else {
      await settle(item, 'failed', { failureClass: verdict.class === 'transient' ? 'transient' : 'permanent', rule: verdict.rule, tail });
      if (o.failFast && verdict.class === 'permanent' && !cancel.signal.aborted) cancel.abort(new Error('fail-fast'));
    }
    pump();
  };

  /** The profile's account is ours (true), being taken (false), or refused (its pairs fail). */
  const accountReady = (profile: string): boolean => {
    if (!o.accounts) return true;
    const gate = gates.get(profile);
    if (gate) return gate.state === 'held';
    gates.set(profile, { state: 'taking' });
    o.accounts.take(profile, cancel.signal).then(
      () => {
        gates.set(profile, { state: 'held' });
        pump();
      },
      (e: unknown) => {
        if (cancel.signal.aborted) return; // its pairs are cancelled by the abort
        const why = e instanceof Error ? e.message : String(e);
        gates.set(profile, { state: 'refused', why });
        for (const item of waiting().filter((i) => i.pair.profile === profile)) {
          void settle(item, 'failed', { failureClass: 'permanent', rule: 'account-busy', tail: [why] });
        }
        pump();
      },
    );
    return false;
  };

  const pump = (): void => {
    if (cancel.signal.aborted) return;
    clearTimeout(wake);
    const now = Date.now();
    let nextReady = Infinity;
    for (const item of waiting()) {
      if (states.running >= limit) break;
      const profile = item.pair.profile;
      if (item.readyAt > now) nextReady = Math.min(nextReady, item.readyAt);
      else if (states.runningIn(profile) >= o.perProfile || !accountReady(profile)) continue;
      else {
        void start(item).catch((e: unknown) => {
          // a bug in uber, not in the deploy: report it as this pair's failure instead of losing it
          if (states.get(item) === 'settled') return;
          const tail = [String((e as Error)?.message ?? e)];
          void settle(item, 'failed', { failureClass: 'permanent', rule: 'internal-error', tail }).then(pump);
        });
      }
    }
    if (nextReady !== Infinity && states.running < limit) wake = setTimeout(pump, nextReady - now);
  };

  try {
    if (o.pairs.length === 0) finish();
    else if (cancel.signal.aborted) cancelWaiting();
    else {
      if (o.takeAccountsFirst) for (const profile of new Set(o.pairs.map((p) => p.profile))) accountReady(profile);
      pump();
    }
    await allDone;
    // outcomes can arrive before every settle() returned: wait for the profiles' hand-over to the account gate
    while (closing.length > 0) await Promise.all(closing.splice(0));
  } finally {
    await Promise.all(removals);
    o.signal.removeEventListener('abort', onAbort);
    clearTimeout(wake);
    // kept for debugging (--keep-temp): without its owner marker, no later run's sweep removes it
    await rm(o.keepTemp ? path.join(tempParent, OWNER_MARKER) : tempParent, { recursive: true, force: true, maxRetries: 3 });
  }
  if (listenerError !== undefined) throw listenerError;
  return o.pairs.map((p) => outcomes.get(p)!);
}
