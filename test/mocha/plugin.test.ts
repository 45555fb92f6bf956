// uber's root-hook plugin in real mocha --parallel workers: leased env restored exactly, timeouts, lease waits, records.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import { readAudit, findOverlaps } from '../../src/lease/audit.js';
import { LeaseStore } from '../../src/lease/store.js';
import { fixtures, profileFiles, runWithPlugin, startDynalite, tmp } from './support.js';

describe('mocha/plugin', function () {
  this.timeout(120_000);
  let dir: string;
  let server: Server | undefined;
  beforeEach(() => {
    dir = tmp('uber-plugin-');
  });
  afterEach(() => {
    server?.close();
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets the lease in the environment, restores it exactly, and fences a timed-out test off the next lease', async () => {
    const d = await startDynalite();
    server = d.server;
    const env = { ...profileFiles(dir, { 'p-1': d.url, 'p-2': d.url }), AWS_ACCESS_KEY_ID: 'outer-key', KEEP_ME: 'kept' };
    const run = await runWithPlugin(['plugin/env.spec.mjs'], { dir, pool: ['p-1', 'p-2'], env });
    const tests = run.records.tests.get('plugin/env.spec.mjs') ?? [];
    const byTitle = new Map(tests.map((t) => [t.title, t]));
    assert.equal(byTitle.get('sees its lease in AWS_PROFILE, UBER_PROFILE and UBER_LEASE_ID, with no key variables overriding it')?.state, 'passed', run.output);
    assert.equal(byTitle.get('starts clean after a test that changed the environment')?.state, 'passed', run.output);
    assert.equal(byTitle.get('runs after the timed-out test with a lease of its own')?.state, 'passed', run.output);
    const timedOut = byTitle.get('times out and keeps running; its client refuses to act after the lease ended');
    assert.equal(timedOut?.state, 'failed');
    assert.match(timedOut?.error?.message ?? '', /Timeout of 150ms exceeded/);
    assert.ok(!tests.some((t) => t.fullTitle.includes('"after all" hook')), `env restored exactly: ${run.output}`);
    const late = run.samples.find((s) => 'late' in s);
    assert.equal(late?.late, 'LeaseEndedError', JSON.stringify(late));
    assert.match(String(late?.message), /has ended; create clients inside the test/);
    assert.notEqual(late?.envLeaseNow, late?.lease, 'by then the environment belonged to another lease (or none)');
    assert.ok(tests.every((t) => t.state === 'pending' || t.profile === 'p-1' || t.profile === 'p-2'));
    assert.equal(run.records.ends.size, 1, 'the file reported its end');
  });

  it('client helper: each test talks to its own leased account (endpoint, keys, region from the profile)', async () => {
    const a = await startDynalite();
    const b = await startDynalite();
    try {
      const env = profileFiles(dir, { 'acct-a': a.url, 'acct-b': b.url });
      const run = await runWithPlugin(['plugin/client-a.spec.mjs', 'plugin/client-b.spec.mjs'], { dir, pool: ['acct-a', 'acct-b'], env, jobs: 2 });
      assert.equal(run.code, 0, run.output);
      const { DynamoDBClient, ListTablesCommand } = await import('@aws-sdk/client-dynamodb');
      const tablesOf = async (url: string, key: string): Promise<string[]> => {
        const c = new DynamoDBClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: key, secretAccessKey: 'x' } });
        return (await c.send(new ListTablesCommand({}))).TableNames ?? [];
      };
      const want = (p: string): string[] => run.samples.filter((s) => s.profile === p).map((s) => String(s.table)).sort();
      // dynalite keeps tables per access key: each account's tables, seen with its own key, are exactly its tests'
      assert.deepEqual((await tablesOf(a.url, 'AKIAACCTA')).sort(), want('acct-a'));
      assert.deepEqual((await tablesOf(b.url, 'AKIAACCTB')).sort(), want('acct-b'));
      assert.equal(want('acct-a').length + want('acct-b').length, 6);
    } finally {
      a.server.close();
      b.server.close();
    }
  });

  it('a test that cannot get a profile within the lease timeout fails with the pool and holder, and the next test still runs', async () => {
    const env = profileFiles(dir, { solo: undefined });
    const holder = await new LeaseStore({ dir: `${dir}/leases` }).tryAcquire('solo', { file: 'elsewhere.spec.ts', test: 'hogging test' });
    assert.ok(holder);
    const run = await runWithPlugin(['plugin/wait.spec.mjs'], { dir, pool: ['solo'], env, leaseTimeoutMs: 1500, mochaTimeoutMs: 500 });
    await holder.release();
    const tests = run.records.tests.get('plugin/wait.spec.mjs') ?? [];
    assert.deepEqual(tests.map((t) => [t.title, t.state]), [['first test waits', 'failed'], ['second test waits', 'failed']], run.output);
    for (const t of tests) {
      assert.match(t.error?.message ?? '', /No profile of the pool \[solo\] came free within 1\.50 s: solo held by pid \d+ .*test "hogging test"/);
      assert.doesNotMatch(t.error?.message ?? '', /Timeout of 500ms/);
    }
  });

  it("uber's own hooks stay in the worker: the reporter in mocha's main process sees the file's hooks, none of uber's", async () => {
    const run = await runWithPlugin(['plugin/hooks.spec.mjs'], { dir, pool: ['p-1'], env: profileFiles(dir, { 'p-1': undefined }), reporter: path.join(fixtures, 'plugin', 'hook-reporter.cjs') });
    assert.equal(run.code, 0, run.output);
    const line = /HOOKS (.*)/.exec(run.output)?.[1];
    assert.ok(line, run.output);
    const seen = JSON.parse(line) as { hooks: string[]; passed: number };
    assert.equal(seen.passed, 2);
    assert.deepEqual(seen.hooks, Array(2).fill('"before each" hook: the file’s own beforeEach in "hooks"'));
    assert.equal(run.records.tests.get('plugin/hooks.spec.mjs')?.filter((t) => t.profile === 'p-1').length, 2, 'both tests still leased');
  });

  it('--lease-scope file: one lease covers the file’s hooks and tests', async () => {
    const env = profileFiles(dir, { f1: undefined, f2: undefined });
    const run = await runWithPlugin(['sampling/sample.spec.mjs'], { dir, pool: ['f1', 'f2'], env, scope: 'file' });
    assert.equal(run.code, 0, run.output);
    const leases = new Set(run.samples.map((s) => s.leaseId));
    assert.equal(leases.size, 1);
    const audit = readAudit(`${run.leaseDir}/audit.jsonl`);
    assert.equal(audit.length, 1);
    assert.equal(audit[0]?.test, null);
    assert.equal(audit[0]?.file, 'sampling/sample.spec.mjs');
    assert.deepEqual(findOverlaps(audit), []);
  });
});
