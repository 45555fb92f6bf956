// The TTY view of a deploy: a listr2 tree, one group per profile, one row per service (state, attempt, elapsed).
import type { WriteStream } from 'node:tty';
import { Listr, type ListrTaskWrapper } from 'listr2';
import { stderrTreeOptions } from '../ui/listr.js';
import type { Ctx } from '../context.js';
import type { Redactor } from '../redact.js';
import { secs } from '../util/format.js';
import type { DeployEvent, PairOutcome } from './events.js';
import { serviceName, verdictText } from './format.js';
import type { Pair } from './plan.js';
import type { DeployView } from './view.js';

// listr2's wrapper type carries renderer generics we do not use
type Row = { task?: ListrTaskWrapper<unknown, never, never>; started?: number; attempt: number; note: string; done?: (o: PairOutcome) => void };

export function listrView(ctx: Pick<Ctx, 'stderr'>, pairs: readonly Pair[], profiles: readonly string[], redactor: Redactor): DeployView {
  const rows = new Map<string, Row>(pairs.map((p) => [p.id, { attempt: 0, note: 'queued' }]));
  const title = (p: Pair, r: Row): string => {
    const elapsed = r.started !== undefined ? ` · ${secs(Date.now() - r.started)}` : '';
    return redactor.redact(`${serviceName(p)}  ${r.note}${r.attempt > 1 ? ` · attempt ${r.attempt}` : ''}${elapsed}`);
  };
  const out = ctx.stderr as WriteStream;
  const listr = new Listr(
    profiles.map((profile) => ({
      title: profile,
      task: (_: unknown, group: { newListr: (t: unknown[], o: object) => unknown }) =>
        group.newListr(
          pairs.filter((p) => p.profile === profile).map((p) => ({
            title: serviceName(p),
            task: (_c: unknown, task: ListrTaskWrapper<unknown, never, never>) =>
              new Promise<void>((resolve, reject) => {
                const row = rows.get(p.id)!;
                row.task = task;
                task.title = title(p, row);
                row.done = (o) => {
                  row.note = verdictText(o);
                  row.started = undefined;
                  const n = o.attempts.length;
                  task.title = redactor.redact(`${serviceName(p)}  ${row.note}${n ? ` · ${n}× · ${secs(o.durationMs)}` : ' (not started)'}`);
                  if (o.status === 'failed') reject(new Error(task.title));
                  else if (o.status === 'cancelled' || o.status === 'skipped') {
                    task.skip(task.title);
                    resolve();
                  } else resolve();
                };
                const early = pending.get(p.id);
                if (early) row.done(early);
              }),
          })),
          { concurrent: true, exitOnError: false, collectErrors: false },
        ),
    })) as never,
    stderrTreeOptions(out),
  );
  const pending = new Map<string, PairOutcome>();
  const ticker = setInterval(() => {
    for (const p of pairs) {
      const r = rows.get(p.id)!;
      if (r.task && r.started !== undefined) r.task.title = title(p, r);
    }
  }, 1000);
  const running = listr.run().catch(() => undefined);
  return {
    onEvent(e: DeployEvent): void {
      if (e.kind === 'concurrency') return;
      if (e.kind === 'wait') {
        for (const p of pairs.filter((x) => x.profile === e.profile)) {
          const r = rows.get(p.id)!;
          r.note = `waiting for the account (${e.holder})`;
          if (r.task) r.task.title = title(p, r);
        }
        return;
      }
      const pair = e.kind === 'done' ? e.outcome.pair : e.pair;
      const r = rows.get(pair.id)!;
      if (e.kind === 'start') Object.assign(r, { attempt: e.attempt, started: Date.now(), note: 'deploying' });
      else if (e.kind === 'retry') Object.assign(r, { attempt: e.attempt, started: undefined, note: `retry in ${secs(e.delayMs)} (${e.rule})` });
      else if (r.done) r.done(e.outcome);
      else pending.set(pair.id, e.outcome);
      if (r.task && e.kind !== 'done') r.task.title = title(pair, r);
    },
    async finish(): Promise<void> {
      // rows whose task had not started yet when their outcome arrived
      for (const [id, o] of pending) rows.get(id)?.done?.(o);
      clearInterval(ticker);
      await running;
    },
  };
}
