// With a shared pool, a deploy takes each account there: it waits for a test holding it on another machine (saying who).
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { deployCommand } from '../../src/cli/deploy.js';
import { dynamoClient } from '../../src/dynamo/table.js';
import { findOverlaps, readAudit } from '../../src/lease/audit.js';
import { SharedPool } from '../../src/pool/pool.js';
import { makeCtx, makeProject, type Project } from '../deploy/workspace.js';
import { startDynalite, tmp } from '../mocha/support.js';

describe('shared pool: deploys', function () {
  this.timeout(120_000);
  let db: { server: Server; url: string };
  let p: Project | undefined;
  before(async () => (db = await startDynalite()));
  after(() => {
    db.server.close();
    p?.cleanup();
  });

  it('waits for a test on another machine holding the account, then deploys; the audits show no overlap', async () => {
    p = makeProject({ repos: ['orders'], services: ['a'], profiles: ['ci-1', 'ci-2'] });
    appendFileSync(p.awsConfig, `[profile pool]\nregion = us-east-1\nendpoint_url = ${db.url}\n`);
    appendFileSync(p.awsCredentials, '[pool]\naws_access_key_id = AKIAPOOL\naws_secret_access_key = pool-secret\n');
    const env = { ...p.env, UBER_POOL: 'dynamodb:pool/uber-pool', UBER_POOL_LEASE: '5' };
    const otherAudit = path.join(tmp('uber-pool-other-'), 'audit.jsonl');
    const other = new SharedPool({ client: dynamoClient('pool', env), table: 'uber-pool', profiles: ['ci-1'], leaseMs: 5000, who: 'bob@ci-box pid 7', audit: otherAudit });
    const test = await other.acquire({ test: 'adds an order', file: 'orders.spec.ts' });
    const ctx = { ...makeCtx(p), env };
    const running = deployCommand(ctx, { branch: 'feat/x', sync: false, failFast: false, keepTemp: false, json: false });
    while (!ctx.err().includes('deploy ci-1: waiting for the account')) await new Promise((r) => setTimeout(r, 50));
    assert.match(ctx.err(), /deploy ci-1: waiting for the account, held by bob@ci-box pid 7 \(test "adds an order", through the shared pool\)/);
    while (p.journalLines().filter((l) => l.event === 'end' && l.aws.AWS_PROFILE === 'ci-2').length < 1) await new Promise((r) => setTimeout(r, 50));
    assert.equal(p.journalLines().filter((l) => l.aws.AWS_PROFILE === 'ci-1').length, 0, 'nothing deployed into the held account');
    await test.release();
    const { result } = await running;
    assert.equal(result.ok, true, ctx.err());
    const mine = readAudit(path.join(p.root, '.uber', 'leases', 'audit.jsonl'));
    assert.deepEqual(mine.filter((r) => r.kind === 'deploy').map((r) => [r.profile, r.pool, r.run]).sort(), [['ci-1', 'uber-pool', result.runId], ['ci-2', 'uber-pool', result.runId]]);
    const firstIntoCi1 = Math.min(...p.journalLines().filter((l) => l.aws.AWS_PROFILE === 'ci-1').map((l) => l.time as number));
    const held = readAudit(otherAudit)[0]!;
    assert.ok(firstIntoCi1 >= held.end, 'the first deploy into ci-1 started after the other machine let go');
    assert.deepEqual(findOverlaps([...mine, ...readAudit(otherAudit)]), []);
  });
});
