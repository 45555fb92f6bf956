// `uber test --queue` in a test run: this machine's side of the shared queue, opened on the pool's table.
import { say, type Ctx } from '../context.js';
import { dynamoClient, ensureTable } from '../dynamo/table.js';
import { machineName, QueueMachine } from '../queue/machine.js';
import type { TestPlan } from './plan.js';

export async function openQueue(plan: TestPlan, q: NonNullable<TestPlan['queue']>, ctx: Ctx, stubDir: string): Promise<QueueMachine> {
  const client = dynamoClient(q.pool.profile, ctx.env);
  await ensureTable(client, q.pool.table);
  return QueueMachine.open({
    client,
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
  });
}
