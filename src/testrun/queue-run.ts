// `uber test --queue` in a test run: this machine's side of the shared queue in the pool's table.
import { say, type Ctx } from '../context.js';
import { machineName, QueueMachine } from '../queue/machine.js';
import type { TestPlan } from './plan.js';

export function openQueue(plan: TestPlan, q: NonNullable<TestPlan['queue']>, ctx: Ctx, stubDir: string): Promise<QueueMachine> {
  return QueueMachine.start({
    pool: q.pool.text,
    profile: q.pool.profile,
    table: q.pool.table,
    runId: q.runId,
    owner: machineName(ctx.env),
    leaseMs: plan.poolLeaseMs,
    items: plan.units,
    testCwd: plan.testCwd,
    stubDir,
    retryCrashed: plan.retryCrashed > 0,
    say: (line) => say(ctx, line),
    signal: ctx.signal,
    env: ctx.env,
  });
}
