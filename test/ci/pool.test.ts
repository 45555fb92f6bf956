// `uber ci circleci --pool`: every test container shares the whole pool and pulls from one queue, instead of shards.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { renderCircleConfig, type CircleOptions } from '../../src/ci/circleci.js';
import type { Ctx } from '../../src/context.js';
import { parsePoolSpec, type PoolSpec } from '../../src/pool/spec.js';
import { planTestRun } from '../../src/testrun/plan.js';
import { runCli } from '../support/run-cli.js';
import { CIRCLE_BASE } from './options.js';
import { profileFiles, startDynalite } from '../mocha/support.js';
import { validateCircleConfig } from './validate.js';

const pool = parsePoolSpec('dynamodb:ci-pool/uber-leases') as Extract<PoolSpec, { kind: 'dynamodb' }>;
const base: CircleOptions = { ...CIRCLE_BASE, pool };

interface Run {
  name?: string;
  command?: string;
}
interface Raw {
  parameters: { profiles: { description: string } };
  jobs: Record<string, { parallelism?: number; environment?: Record<string, string>; steps: (string | Record<string, unknown>)[] }>;
}
const runs = (raw: Raw, job: string): Run[] => raw.jobs[job]!.steps.flatMap((s) => (typeof s === 'object' && 'run' in s ? [s.run as Run] : []));

describe('ci/circleci --pool', () => {
  it('is valid for CircleCI, with more containers than profiles too', () => {
    for (const parallelism of [1, 3, 6]) validateCircleConfig(renderCircleConfig({ ...base, parallelism }));
  });

  it('says what it should: both jobs lease through the pool, each container runs uber test --queue on the whole pool', () => {
    const text = renderCircleConfig({ ...base, parallelism: 5 });
    const raw = validateCircleConfig(text) as unknown as Raw;
    assert.equal(raw.jobs.test?.parallelism, 5);
    assert.deepEqual(raw.jobs.provision?.environment, { UBER_POOL: 'dynamodb:ci-pool/uber-leases' });
    assert.deepEqual(raw.jobs.test?.environment, { UBER_POOL: 'dynamodb:ci-pool/uber-leases' });
    const test = runs(raw, 'test').filter((r) => /uber .*test/.test(r.command ?? ''));
    assert.deepEqual(test, [{ name: "Pull spec files and units from the run's shared queue (every container leases from the whole pool)", command: 'npx uber --config uber.config.yaml test --parallel --queue' }]);
    assert.doesNotMatch(text, /--shard|disjoint share|container's shard/, 'no static shard anywhere');
    assert.match(raw.parameters.profiles.description, /every test container leases from all of them through the shared pool/);
    assert.match(text, /^# Written by `uber ci circleci` --pool dynamodb:ci-pool\/uber-leases/m);
    assert.match(text, /DynamoDB table uber-leases, reached as profile ci-pool/);
    // each container still keeps the timings of what it ran, for the next run's queue order
    assert.ok(runs(raw, 'test').some((r) => r.command?.endsWith('ci save-timings')));
  });

  let db: Awaited<ReturnType<typeof startDynalite>>;
  before(async () => (db = await startDynalite()));
  after(() => db.server.close());

  it('the written command, in a CircleCI container, plans a queue run: the whole pool, no shard, the workflow and job as run id', async () => {
    const command = runs(validateCircleConfig(renderCircleConfig(base)) as unknown as Raw, 'test').find((r) => r.command?.includes('--queue'))!.command!;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'uber-ci-pool-'));
    try {
      mkdirSync(path.join(dir, 'repos', 'tests', 'test'), { recursive: true });
      for (const f of ['a', 'b', 'c']) writeFileSync(path.join(dir, 'repos', 'tests', 'test', `${f}.spec.mjs`), '');
      writeFileSync(path.join(dir, 'uber.config.yaml'), 'profiles: [ci-1, ci-2, ci-3]\ntest:\n  cwd: repos/tests\n  spec: ["test/*.spec.mjs"]\n');
      // the pool's account is a local dynalite: uber test checks the pool can be reached before it plans
      const files = profileFiles(dir, { 'ci-1': undefined, 'ci-2': undefined, 'ci-3': undefined, 'ci-pool': db.url });
      const env = { HOME: dir, ...files, UBER_POOL: pool.text, CIRCLE_WORKFLOW_ID: 'wf-123', CIRCLE_JOB: 'test', CIRCLE_NODE_INDEX: '2', CIRCLE_NODE_TOTAL: '3' };
      const ctx: Ctx = { cwd: dir, env, stdout: new PassThrough(), stderr: new PassThrough(), signal: new AbortController().signal, interactive: false, debug: false };
      const words = command.split(' ');
      assert.deepEqual(words.slice(words.indexOf('test')), ['test', '--parallel', '--queue']);
      const plan = await planTestRun({ specs: [], extra: [], queue: true }, ctx);
      assert.equal(plan.shard, null, 'CIRCLE_NODE_INDEX/TOTAL do not shard a queue run');
      assert.deepEqual(plan.profiles, ['ci-1', 'ci-2', 'ci-3']);
      assert.equal(plan.files.length, 3);
      assert.deepEqual(plan.queue, { runId: 'wf-123-test', pool });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a pool that containers cannot share, and --pool with --pipelined: exit 2, one sentence', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'uber-ci-pool-'));
    try {
      mkdirSync(path.join(dir, '.git'));
      writeFileSync(path.join(dir, 'uber.config.yaml'), 'profiles: [ci-1, ci-2]\n');
      const local = await runCli(['ci', 'circleci', '--pool', 'local', '--out', '-'], dir);
      assert.equal(local.code, 2);
      assert.match(local.err, /^.*--pool local keeps leases on one machine, which CircleCI containers cannot share; pass --pool dynamodb:<profile>\/<table>\.\n$/);
      const both = await runCli(['ci', 'circleci', '--pool', 'dynamodb:p/uber-pool', '--pipelined', '--out', '-'], dir);
      assert.equal(both.code, 2);
      assert.equal(both.err.trim().split('\n').length, 1);
      const many = await runCli(['ci', 'circleci', '--pool', 'dynamodb:p/uber-pool', '--parallelism', '4', '--out', '-'], dir);
      assert.equal(many.code, 0, many.err);
      assert.match(many.out, /parallelism: 4/);
      const without = await runCli(['ci', 'circleci', '--parallelism', '4', '--out', '-'], dir);
      assert.equal(without.code, 2, 'static shards still need a profile per container');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
