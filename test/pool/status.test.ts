// `uber pool status` says who holds which account since when; a missing or unreachable pool is one sentence and exit 2.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { dynamoClient } from '../../src/dynamo/table.js';
import { SharedPool } from '../../src/pool/pool.js';
import { runCli } from '../support/run-cli.js';
import { profileFiles, startDynalite, tmp } from '../mocha/support.js';

describe('uber pool status', function () {
  this.timeout(30_000);
  let db: { server: Server; url: string };
  let dir: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    db = await startDynalite();
    dir = tmp('uber-pool-status-');
    env = { ...profileFiles(dir, { pool: db.url, nowhere: 'http://127.0.0.1:9' }), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  });
  after(() => db.server.close());

  it('lists each account: held by whom, for which test, since when; free ones with their token', async () => {
    const pool = new SharedPool({ client: dynamoClient('pool', env), table: 'uber-leases', profiles: ['ci-1', 'ci-2'], leaseMs: 60_000, who: 'ann@laptop pid 42', audit: undefined });
    const a = await pool.acquire({ test: 'adds an order', file: 'orders.spec.ts' });
    const b = await pool.acquire({ kind: 'deploy', run: 'run-7' });
    await b.release();
    writeFileSync(path.join(dir, 'uber.config.yaml'), 'test:\n  pool: dynamodb:pool/uber-leases\n');
    const r = await runCli(['pool', 'status'], dir, env);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^dynamodb:pool\/uber-leases: 1 of 2 accounts held\n/);
    assert.match(r.out, /\n {2}ci-1 +held by ann@laptop pid 42 \(test "adds an order" in orders\.spec\.ts\) since \d\d:\d\d:\d\dZ \([\d.]+ s\), heartbeat [\d.]+ s ago, token 1\n/);
    assert.match(r.out, /\n {2}ci-2 +free, token 1\n/);
    const json = JSON.parse((await runCli(['pool', 'status', '--json', '--pool', 'dynamodb:pool/uber-leases'], dir, env)).out) as { leases: { profile: string; who: string }[] };
    assert.deepEqual(json.leases.map((l) => l.profile), ['ci-1', 'ci-2']);
    await a.release();
  });

  it('no shared pool, or one that cannot be reached: one sentence, exit 2', async () => {
    const empty = tmp('uber-pool-none-');
    const none = await runCli(['pool', 'status'], empty, env);
    assert.equal(none.code, 2);
    assert.match(none.err, /No shared pool is configured .*; pass --pool dynamodb:<profile>\/<table>, or set test\.pool or UBER_POOL\./);
    const bad = await runCli(['pool', 'status', '--pool', 'dynamodb:nowhere/uber-leases'], empty, env);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /The shared pool dynamodb:nowhere\/uber-leases cannot be reached as profile "nowhere" \(.+\); check that profile's credentials, region and endpoint_url/);
    const typo = await runCli(['test', '--profiles', 'pool', '--pool', 'dynamo:x'], empty, env);
    assert.equal(typo.code, 2);
    assert.match(typo.err, /--pool "dynamo:x" is not a pool/);
  });
});
