// The deploy runner on its own: a listener that throws while a pair settles cannot count the pair down twice (no extra deploy starts).
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { planPairs } from '../../src/deploy/plan.js';
import { runDeploys } from '../../src/deploy/runner.js';
import { OWNER_MARKER, sweepDeadTemps } from '../../src/isolation/temp.js';
import { Redactor } from '../../src/redact.js';
import { makeProject, type Project } from './workspace.js';

describe('deploy/runner', function () {
  this.timeout(60_000);
  let p: Project;
  afterEach(() => p?.cleanup());

  it('keeps the concurrency limit when a listener throws on a pair\'s outcome, and reports the throw after every pair settled', async () => {
    p = makeProject({ repos: ['orders'], services: ['a', 'b', 'c'], profiles: ['ci-1'], env: { SLS_FIXTURE_SLEEP_MS: '300' } });
    const services = ['a', 'b', 'c'].map((s) => ({ repo: 'orders', repoDir: path.join(p.repos, 'orders'), service: `services/${s}` }));
    const pairs = planPairs(services, ['ci-1'], ['sls', 'deploy', '--aws-profile', '{profile}'], { stage: 'ci', branch: 'main' });
    let thrown = 0;
    const run = runDeploys({
      pairs, concurrency: 1, perProfile: 1, retries: 0, timeoutMs: 30_000, failFast: false, signal: new AbortController().signal,
      env: p.env, cwd: p.root, logDir: path.join(p.root, 'logs'), redactor: new Redactor([]), tempParent: p.tmp,
      onEvent: (e) => {
        if (e.kind === 'done' && thrown++ === 0) throw new Error('a view bug');
      },
    });
    await assert.rejects(run, /a view bug/);
    assert.equal(thrown, 3, 'every pair still settled');
    const events = p.journalLines().map((l) => ({ t: l.time as number, d: l.event === 'start' ? 1 : -1 })).sort((x, y) => x.t - y.t || x.d - y.d);
    let running = 0;
    for (const e of events) {
      running += e.d;
      assert.ok(running <= 1, 'two deploys ran at once under concurrency 1');
    }
    assert.equal(events.length, 6);
  });

  it('leaves a --keep-temp run\'s folder without its owner marker, so no later run sweeps it away', async () => {
    p = makeProject({ repos: ['orders'], services: ['a'], profiles: ['ci-1'] });
    const pairs = planPairs([{ repo: 'orders', repoDir: path.join(p.repos, 'orders'), service: 'services/a' }], ['ci-1'], ['sls', 'deploy'], { stage: 'ci', branch: 'main' });
    const [one] = await runDeploys({
      pairs, concurrency: 1, perProfile: 1, retries: 0, timeoutMs: 30_000, failFast: false, signal: new AbortController().signal,
      env: p.env, cwd: p.root, logDir: path.join(p.root, 'logs'), redactor: new Redactor([]), tempParent: p.tmp, keepTemp: true,
    });
    assert.equal(one!.status, 'ok');
    const [run] = readdirSync(p.tmp);
    assert.match(run!, /^uber-deploy-/);
    assert.ok(!existsSync(path.join(p.tmp, run!, OWNER_MARKER)));
    assert.deepEqual(sweepDeadTemps(p.tmp), []);
    assert.equal(readdirSync(path.join(p.tmp, run!)).length, 1, 'the kept copy is still there');
  });
});
