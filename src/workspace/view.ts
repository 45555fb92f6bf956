// Shows a sync while it runs: a listr2 tree on a terminal, one plain line per repo elsewhere; then the summary table (stderr).
import { Listr } from 'listr2';
import { stderrTreeOptions } from '../ui/listr.js';
import { say } from '../context.js';
import { planSync, runSyncPlan, syncRepos, type SyncEvent, type SyncOptions } from './sync.js';
import { outcomeLine, statusText, summaryTable } from './table.js';
import type { SyncOutcome } from './types.js';

interface Pending {
  step: (s: string) => void;
  done: (o: SyncOutcome | undefined) => void;
  promise: Promise<SyncOutcome | undefined>;
}

function pending(): Pending {
  let done!: (o: SyncOutcome | undefined) => void;
  const promise = new Promise<SyncOutcome | undefined>((resolve) => (done = resolve));
  return { step: () => undefined, done, promise };
}

/** Runs syncRepos under a listr2 tree; validation errors surface before the tree is drawn. */
async function withTree(opts: SyncOptions): Promise<SyncOutcome[]> {
  const { ctx } = opts;
  const plan = await planSync(opts);
  const names = plan.repos.map((r) => r.name);
  const rows = new Map(names.map((n) => [n, pending()]));
  const stderr = ctx.stderr as NodeJS.WriteStream;
  const tree = new Listr(
    names.map((name) => ({
      title: name,
      task: async (_: unknown, task: { title: string; skip: (m?: string) => void }) => {
        const row = rows.get(name)!;
        row.step = (s) => (task.title = `${name} — ${s}`);
        const o = await row.promise;
        if (!o) return task.skip(`${name} — not started (interrupted)`);
        task.title = `${name} — ${statusText(o)}${o.branch ? ` [${o.branch}${o.fallback ? ' (fallback)' : ''}]` : ''}`;
        if (o.status === 'skipped') task.skip(task.title);
        if (o.status === 'failed') throw new Error(task.title);
      },
    })),
    stderrTreeOptions(stderr),
  );
  const onEvent = (e: SyncEvent): void => {
    opts.onEvent?.(e);
    const row = rows.get(e.repo);
    if (!row) return;
    if (e.step === 'done') row.done(e.outcome);
    else if (e.step !== 'queued') row.step(e.detail ?? e.step);
  };
  const shown = tree.run();
  try {
    return await runSyncPlan(plan, { ...opts, onEvent, progress: true });
  } finally {
    for (const row of rows.values()) row.done(undefined); // no-op for rows already done
    await shown.catch(() => undefined);
  }
}

/** syncRepos with a live view and the summary table on stderr; `json` prints the outcomes as JSON on stdout. */
export async function syncWithView(opts: SyncOptions & { json: boolean }): Promise<SyncOutcome[]> {
  const { ctx } = opts;
  let outcomes: SyncOutcome[];
  if (ctx.interactive) outcomes = await withTree(opts);
  else {
    const onEvent = (e: SyncEvent): void => {
      opts.onEvent?.(e);
      if (e.step === 'done' && e.outcome) say(ctx, outcomeLine(e.outcome));
      if (e.step === 'waiting') say(ctx, `sync ${e.repo}: ${e.detail ?? 'waiting'}`);
    };
    outcomes = await syncRepos({ ...opts, onEvent });
  }
  ctx.stderr.write(`\n${summaryTable(outcomes)}`);
  if (opts.json) ctx.stdout.write(`${JSON.stringify(outcomes, null, 2)}\n`);
  return outcomes;
}
