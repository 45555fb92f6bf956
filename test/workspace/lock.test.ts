// The workspace lock against real git: a test run's hold keeps sync off its repos, two syncs never race, dead holders never block.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config/load.js';
import type { Ctx } from '../../src/context.js';
import { isAlive } from '../../src/exec/alive.js';
import { newRunId } from '../../src/run/id.js';
import { uberPaths } from '../../src/state/paths.js';
import { holdWorkspace } from '../../src/workspace/hold.js';
import { lockRepo } from '../../src/workspace/lock.js';
import { syncRepos, type SyncEvent, type SyncOutcome } from '../../src/workspace/sync.js';
import { runCli } from '../support/run-cli.js';
import { makeFixture, makeRemote, snapshot, writeConfig, type Fixture } from './fixture.js';

const HOLD = path.resolve('src/workspace/hold.ts');
const LOCK = path.resolve('src/workspace/lock.ts');

function ctxFor(fx: Fixture, signal = new AbortController().signal): Ctx {
  return { cwd: fx.project, env: fx.env, stdout: new PassThrough(), stderr: new PassThrough(), signal, interactive: false, debug: false };
}

/** Runs a module script in a child node (tsx), which prints "ready" once it holds, then SIGKILLs itself: a dead holder. */
async function dieHolding(script: string): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `${script}\nconsole.log('ready'); process.kill(process.pid, 'SIGKILL');`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, s) => resolve(s)));
  assert.equal(signal, 'SIGKILL');
  assert.match(out, /ready/);
  assert.equal(isAlive(child.pid!), false);
  return child.pid!;
}

describe('workspace lock', () => {
  let fx: Fixture;
  const paths = (): ReturnType<typeof uberPaths> => uberPaths(fx.project);
  const head = (name = 'orders'): string => fx.git(fx.dir(name), 'rev-parse', '--abbrev-ref', 'HEAD');

  beforeEach(async () => {
    fx = makeFixture('uber-lock-');
    makeRemote(fx, 'orders', ['feat-y']);
    makeRemote(fx, 'users', ['feat-y']);
    writeConfig(fx, ['orders', 'users']);
    const first = await runCli(['sync', '--branch', 'main'], fx.project, fx.env);
    assert.equal(first.code, 0, first.err);
  });
  afterEach(() => fx.dispose());

  it('a test run holding the workspace: `uber sync --branch feat-y --wait-for-tests 0` skips every repo as busy, naming the run, and moves nothing', async () => {
    const runId = newRunId('test');
    const before = snapshot(fx, fx.dir('orders'));
    await using hold = await holdWorkspace({ paths: paths(), runId });
    const r = await runCli(['sync', '--branch', 'feat-y', '--wait-for-tests', '0', '--json'], fx.project, fx.env);
    assert.equal(r.code, 1, r.err);
    const outcomes = JSON.parse(r.out) as SyncOutcome[];
    for (const o of outcomes) {
      assert.equal(o.status, 'skipped', o.repo);
      assert.equal(o.branch, 'main');
      assert.match(o.reason ?? '', new RegExp(`^busy: test run ${runId} \\(pid ${process.pid}, since \\d{4}-\\d\\d-\\d\\dT[^)]+\\) uses it`));
      assert.deepEqual(o.heldBy, { runId, pid: process.pid, since: new Date(hold.hold.since).toISOString() });
    }
    assert.equal(snapshot(fx, fx.dir('orders')), before, 'HEAD and files unchanged while held');
    assert.match(r.err, /^orders\s+main\s+no\s+[0-9a-f]{7}\s+skipped: busy: test run /m);
  });

  it('a sync that may wait: waits for the test run (saying which), never re-branches under it, then syncs once it ends', async () => {
    const runId = newRunId('test');
    const hold = await holdWorkspace({ paths: paths(), runId });
    const before = snapshot(fx, fx.dir('orders'));
    const events: SyncEvent[] = [];
    let released!: () => void;
    const bothWaiting = new Promise<void>((resolve) => (released = resolve));
    const sync = syncRepos({
      loaded: loadConfig(fx.project),
      branch: 'feat-y',
      ctx: ctxFor(fx),
      waitForTestsMs: 600_000,
      onEvent: (e) => {
        events.push(e);
        if (events.filter((x) => x.step === 'waiting').length === 2) released();
      },
    });
    await Promise.race([bothWaiting, sync.then(() => assert.fail('the sync ended while the test run held the workspace'))]);
    const sawWhileHeld = snapshot(fx, fx.dir('orders'));
    assert.equal(head(), 'main');
    assert.equal(head('users'), 'main');
    hold.release();
    const outcomes = await sync;
    assert.equal(sawWhileHeld, before, 'HEAD did not move while the test run held the repo');
    const waits = events.filter((e) => e.step === 'waiting');
    assert.deepEqual(waits.map((e) => e.repo).sort(), ['orders', 'users']);
    for (const w of waits) assert.match(w.detail ?? '', new RegExp(`^waiting for test run ${runId} \\(pid ${process.pid}, since .+\\), which uses it$`));
    assert.deepEqual(outcomes.map((o) => `${o.repo} ${o.status} ${o.branch}`), ['orders updated feat-y', 'users updated feat-y']);
    assert.equal(head(), 'feat-y');
  });

  it('holds only the repos named: the others sync', async () => {
    await using _hold = await holdWorkspace({ paths: paths(), runId: newRunId('test'), repos: ['users'] });
    const outcomes = await syncRepos({ loaded: loadConfig(fx.project), branch: 'feat-y', ctx: ctxFor(fx), waitForTestsMs: 0 });
    assert.deepEqual(outcomes.map((o) => `${o.repo} ${o.status}`), ['orders updated', 'users skipped']);
  });

  it('two syncs at once on a first clone: both end with the repo on the branch, no error; the second sees the first clone', async () => {
    const fresh = makeFixture('uber-lock-fresh-');
    try {
      for (const n of ['orders', 'users', 'billing']) makeRemote(fresh, n, ['feat-y']);
      writeConfig(fresh, ['orders', 'users', 'billing']);
      const runs = await Promise.all([1, 2, 3].map(() => runCli(['sync', '--branch', 'feat-y', '--json'], fresh.project, fresh.env)));
      const statuses: string[] = [];
      for (const r of runs) {
        assert.equal(r.code, 0, r.err);
        for (const o of JSON.parse(r.out) as SyncOutcome[]) {
          assert.equal(o.branch, 'feat-y', `${o.repo}: ${o.status} ${o.reason ?? ''}`);
          assert.match(o.commit ?? '', /^[0-9a-f]{40}$/);
          statuses.push(`${o.repo} ${o.status}`);
        }
      }
      for (const n of ['orders', 'users', 'billing']) {
        assert.deepEqual(statuses.filter((s) => s.startsWith(`${n} `)).sort(), [`${n} cloned`, `${n} unchanged`, `${n} unchanged`]);
        assert.equal(fresh.git(fresh.dir(n), 'rev-parse', '--abbrev-ref', 'HEAD'), 'feat-y');
      }
      assert.deepEqual(readdirSync(path.join(fresh.project, '.uber', 'workspace')).filter((n) => n.endsWith('.lock')), [], 'no lock left');
    } finally {
      fresh.dispose();
    }
  });

  it('a test run waits for a sync in flight on a repo it uses, and says whose', async () => {
    const syncRun = newRunId('sync');
    const lock = await lockRepo('orders', { paths: paths(), runId: syncRun, waitMs: 0, signal: new AbortController().signal });
    assert.equal(lock.busy, undefined);
    const order: string[] = [];
    const lines: string[] = [];
    const held = holdWorkspace({
      paths: paths(),
      runId: newRunId('test'),
      onWait: (line) => {
        lines.push(line);
        order.push('waiting');
        // while the test run waits, its hold is already published: a sync starting now backs off
        void lockRepo('users', { paths: paths(), runId: newRunId('sync'), waitMs: 0, signal: new AbortController().signal }).then((l) => {
          order.push(l.busy ? 'users busy' : 'users taken');
          if (!l.busy) l.release();
          order.push('released');
          if (!lock.busy) lock.release();
        });
      },
    }).then((h) => {
      order.push('held');
      return h;
    });
    const h = await held;
    h.release();
    assert.deepEqual(order, ['waiting', 'users busy', 'released', 'held']);
    assert.match(lines[0] ?? '', new RegExp(`^waiting for the sync of run ${syncRun} \\(pid ${process.pid}, since .+\\) to finish with repo "orders"$`));
  });

  describe('dead holders never block', () => {
    it('a test run killed while holding the workspace (SIGKILL): sync moves the repos, and drops its hold file', async () => {
      const pid = await dieHolding(`import { holdWorkspace } from ${JSON.stringify(HOLD)}; await holdWorkspace({ paths: { root: ${JSON.stringify(paths().root)} }, runId: ${JSON.stringify(newRunId('test'))} });`);
      assert.equal(readdirSync(path.join(paths().root, 'workspace', 'holds')).length, 1, `the hold of dead pid ${pid} is on disk`);
      const r = await runCli(['sync', '--branch', 'feat-y', '--wait-for-tests', '0'], fx.project, fx.env);
      assert.equal(r.code, 0, r.err);
      assert.equal(head(), 'feat-y');
      assert.deepEqual(readdirSync(path.join(paths().root, 'workspace', 'holds')), []);
    });

    it('a sync killed while holding a repo lock (SIGKILL): the next sync and the next test run go ahead', async () => {
      await dieHolding(`import { lockRepo } from ${JSON.stringify(LOCK)}; await lockRepo('orders', { paths: { root: ${JSON.stringify(paths().root)} }, runId: 'x', waitMs: 0, signal: new AbortController().signal });`);
      assert.ok(existsSync(path.join(paths().root, 'workspace', 'orders.lock')), 'the dead sync left its lock');
      const lines: string[] = [];
      const h = await holdWorkspace({ paths: paths(), runId: newRunId('test'), onWait: (l) => lines.push(l) });
      h.release();
      assert.deepEqual(lines, [], 'the test run did not wait for a dead sync');
      const r = await runCli(['sync', '--branch', 'feat-y'], fx.project, fx.env);
      assert.equal(r.code, 0, r.err);
      assert.equal(head(), 'feat-y');
    });
  });

  it('--wait-for-tests takes whole seconds only (exit 2)', async () => {
    const r = await runCli(['sync', '--branch', 'feat-y', '--wait-for-tests', 'soon'], fx.project, fx.env);
    assert.equal(r.code, 2);
    assert.match(r.err, /--wait-for-tests must be a whole number of at least 0, not "soon"/);
  });
});
