// syncRepos against real git: every repo state of issue 2, work never lost, outcomes as data.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config/load.js';
import type { Ctx } from '../../src/context.js';
import { UsageError } from '../../src/errors.js';
import { syncRepos, type SyncOutcome } from '../../src/workspace/sync.js';
import { snapshot } from './fixture.js';
import { makeScenario, resolveSkips, REPOS, type Scenario } from './scenario.js';

function ctxFor(s: Scenario, signal = new AbortController().signal): Ctx {
  return { cwd: s.fx.project, env: s.fx.env, stdout: new PassThrough(), stderr: new PassThrough(), signal, interactive: false, debug: false };
}

describe('workspace/sync', () => {
  let s: Scenario;
  let first: Map<string, SyncOutcome>;
  const events: string[] = [];

  before(async () => {
    s = makeScenario();
    const outcomes = await syncRepos({ loaded: loadConfig(s.fx.project), branch: 'feat-x', ctx: ctxFor(s), concurrency: 3, onEvent: (e) => events.push(`${e.repo}:${e.step}`) });
    first = new Map(outcomes.map((o) => [o.repo, o]));
  });
  after(() => s.fx.dispose());

  const on = (name: string): { branch: string; head: string; upstream: string } => {
    const dir = s.fx.dir(name);
    return {
      branch: s.fx.git(dir, 'rev-parse', '--abbrev-ref', 'HEAD'),
      head: s.fx.git(dir, 'rev-parse', 'HEAD'),
      upstream: s.fx.git(dir, 'rev-parse', '--abbrev-ref', '@{upstream}'),
    };
  };

  it('returns one outcome per repo, in config order, with a done event each', () => {
    assert.deepEqual([...first.keys()], [...REPOS]);
    for (const name of REPOS) assert.ok(events.includes(`${name}:done`), name);
  });

  it('clones missing repos onto the branch, or the default branch as a fallback', () => {
    assert.deepEqual(pick(first.get('alpha')), { status: 'cloned', branch: 'feat-x', fallback: false });
    assert.deepEqual(pick(first.get('beta')), { status: 'cloned', branch: 'main', fallback: true });
    assert.deepEqual(pick(first.get('epsilon')), { status: 'cloned', branch: 'develop', fallback: true }, 'config branch wins over remote HEAD');
    assert.deepEqual(on('alpha').upstream, 'origin/feat-x');
    assert.equal(first.get('alpha')?.commit, on('alpha').head);
    assert.equal(s.fx.git(s.fx.dir('alpha'), 'config', 'remote.origin.partialclonefilter'), 'blob:none', 'a partial clone');
  });

  it('fast-forwards a clone that is behind, and switches to a new tracking branch', () => {
    assert.deepEqual(pick(first.get('gamma')), { status: 'updated', branch: 'main', fallback: true });
    assert.equal(on('gamma').head, s.expect.gamma);
    assert.ok(existsSync(path.join(s.fx.dir('gamma'), 'later.txt')));
    assert.deepEqual(pick(first.get('delta')), { status: 'updated', branch: 'feat-x', fallback: false });
    assert.deepEqual(on('delta'), { branch: 'feat-x', head: s.expect.delta, upstream: 'origin/feat-x' });
  });

  it('skips dirty, detached and diverged clones with a reason and leaves them byte-for-byte untouched', () => {
    assert.equal(first.get('dirty')?.status, 'skipped');
    assert.match(first.get('dirty')?.reason ?? '', /local changes \(1 changed file, 1 untracked file\)/);
    assert.equal(first.get('detached')?.status, 'skipped');
    assert.match(first.get('detached')?.reason ?? '', /detached/);
    assert.equal(first.get('diverged')?.status, 'skipped');
    assert.match(first.get('diverged')?.reason ?? '', /diverged from origin\/feat-x \(1 ahead, 1 behind\)/);
    for (const name of ['dirty', 'detached', 'diverged'] as const) assert.equal(snapshot(s.fx, s.fx.dir(name)), s.before[name], `${name} changed`);
  });

  it("reports a repo whose remote is gone as failed, with git's own message, and goes on with the others", () => {
    const gone = first.get('gone');
    assert.equal(gone?.status, 'failed');
    assert.match(gone?.reason ?? '', /does not appear to be a git repository|Could not read from remote/);
    assert.equal(gone?.branch, 'main');
    assert.equal(gone?.commit, s.fx.git(s.fx.dir('gone'), 'rev-parse', 'HEAD'), 'where it is, read after the failure');
  });

  it('is idempotent, and gets every repo through once the skips are resolved', async () => {
    resolveSkips(s);
    const again = await syncRepos({ loaded: loadConfig(s.fx.project), branch: 'feat-x', ctx: ctxFor(s) });
    const by = new Map(again.map((o) => [o.repo, o.status]));
    for (const name of ['alpha', 'beta', 'gamma', 'delta', 'epsilon']) assert.equal(by.get(name), 'unchanged', name);
    for (const name of ['dirty', 'detached', 'gone']) assert.equal(by.get(name), 'updated', name);
    assert.equal(by.get('diverged'), 'unchanged', 'rebased onto origin: ahead only, nothing to fast-forward');
    assert.deepEqual(on('detached').branch, 'feat-x');
    assert.equal(s.fx.git(s.fx.dir('diverged'), 'merge-base', '--is-ancestor', s.expect.diverged, 'HEAD'), '');
  });

  it('syncs only the repos named, and rejects unknown names before running anything', async () => {
    const only = await syncRepos({ loaded: loadConfig(s.fx.project), branch: 'main', only: ['alpha'], ctx: ctxFor(s) });
    assert.deepEqual(only.map((o) => [o.repo, o.branch, o.status]), [['alpha', 'main', 'updated']]);
    await assert.rejects(syncRepos({ loaded: loadConfig(s.fx.project), branch: 'main', only: ['alpha', 'nope'], ctx: ctxFor(s) }), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /Unknown repo "nope" in --repos; known repos are alpha, beta/);
      return true;
    });
    assert.equal(on('alpha').branch, 'main');
  });

  it('stops starting repos once the run is aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(syncRepos({ loaded: loadConfig(s.fx.project), branch: 'feat-x', ctx: ctxFor(s, ac.signal) }), { name: 'InterruptedError' });
    assert.equal(on('alpha').branch, 'main', 'nothing ran');
  });
});

function pick(o: SyncOutcome | undefined): Pick<SyncOutcome, 'status' | 'branch' | 'fallback'> | undefined {
  return o && { status: o.status, branch: o.branch, fallback: o.fallback };
}
