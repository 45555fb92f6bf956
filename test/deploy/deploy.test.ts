// uber deploy end to end in-process with the fixture sls on PATH: isolation, retries, classes, state, fail-fast.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deployCommand } from '../../src/cli/deploy.js';
import type { Ctx } from '../../src/context.js';
import type { DeployFlags, DeployResult } from '../../src/deploy/deploy.js';
import { UsageError } from '../../src/errors.js';
import { readState } from '../../src/state/state.js';
import { KEY_ID, makeCtx, makeProject, SECRET, type Project } from './workspace.js';

/** The deploy as the CLI runs it: views and the end printed on the ctx's streams. */
const deploy = async (ctx: Ctx, f: DeployFlags): Promise<DeployResult> => (await deployCommand(ctx, f)).result;
const flags = (f: Partial<DeployFlags> = {}): DeployFlags => ({ branch: 'feat/x', sync: false, failFast: false, keepTemp: false, json: false, ...f });

describe('deploy (fixture sls)', function () {
  this.timeout(120_000);
  let p: Project;
  afterEach(() => p?.cleanup());

  it('isolates 2 repos × 3 services × 3 profiles: 18 work dirs, 18 HOMEs, the right profile everywhere', async () => {
    p = makeProject();
    const ctx = makeCtx(p);
    const res = await deploy(ctx, flags());
    assert.equal(res.ok, true, ctx.err());
    const starts = p.journalLines().filter((l) => l.event === 'start');
    assert.equal(starts.length, 18);
    assert.equal(new Set(starts.map((s) => s.cwd)).size, 18);
    assert.equal(new Set(starts.map((s) => s.home)).size, 18);
    for (const s of starts) {
      const profile = s.aws.AWS_PROFILE!;
      assert.match(profile, /^ci-[123]$/);
      const i = s.argv.indexOf('--aws-profile');
      assert.equal(s.argv[i + 1], profile, `argv ${s.argv.join(' ')} vs AWS_PROFILE ${profile}`);
      assert.deepEqual(s.argv.slice(0, 3), ['deploy', '--stage', 'ci']);
      assert.equal(s.aws.AWS_CONFIG_FILE, p.awsConfig);
      assert.equal(s.aws.AWS_SHARED_CREDENTIALS_FILE, p.awsCredentials);
      assert.equal(s.aws.AWS_ACCESS_KEY_ID, undefined, 'parent credentials must not leak');
      assert.ok(!s.cwd.startsWith(p.repos), `deploy ran in the original repo: ${s.cwd}`);
      assert.ok(s.cwd.startsWith(p.tmp), 'deploy runs under TMPDIR');
      assert.notEqual(s.home, p.env.HOME);
      for (const banned of ['AWS_ACCESS_KEY_ID', 'UBER_PASS_ENV']) assert.ok(!s.envNames.includes(banned), `${banned} leaked`);
      assert.ok(s.envNames.includes('SLS_FIXTURE_JOURNAL') && s.envNames.includes('CI'), 'the rest of the environment passes, as sls deploy would see it');
    }
    // every (service, profile) pair exactly once
    assert.equal(new Set(starts.map((s) => s.key)).size, 18);
    // the originals are untouched: no new artifacts, the old ones intact
    for (const repo of ['orders', 'users']) {
      for (const s of ['a', 'b', 'c']) {
        const dir = path.join(p.repos, repo, 'services', s, '.serverless');
        assert.deepEqual(readdirSync(dir), ['original.json']);
      }
    }
    // no temp dir left behind; one log per pair; state says all healthy
    assert.deepEqual(readdirSync(p.tmp), []);
    const state = readState(path.join(p.root, '.uber', 'state.json'))!;
    assert.deepEqual(Object.values(state.profiles).map((x) => x.healthy), [true, true, true]);
    assert.equal(state.deploys.length, 18);
    for (const d of state.deploys) {
      assert.equal(d.attempts.length, 1);
      assert.ok(d.attempts[0]!.end >= d.attempts[0]!.start && d.attempts[0]!.start > 1.7e12, 'epoch ms');
      assert.ok(existsSync(d.log), d.log);
    }
    assert.ok(existsSync(path.join(res.logs, 'ci-2', 'users--services-b.log')));
    assert.ok(res.logs.startsWith(path.join(p.root, '.uber', 'runs', res.runId)), res.logs);
    assert.match(ctx.err(), /18 deploys: 18 ok, 0 no-op, 0 failed, 0 cancelled/);
  });

  it('never runs more than concurrency deploys at once, nor more than perProfile into one account', async () => {
    p = makeProject({ repos: ['orders'], services: ['a', 'b', 'c'], profiles: ['ci-1', 'ci-2'], deploy: { concurrency: 3, perProfile: 2 }, env: { SLS_FIXTURE_SLEEP_MS: '1000' } });
    const res = await deploy(makeCtx(p), flags());
    assert.equal(res.ok, true);
    const lines = p.journalLines();
    const events = lines.map((l) => ({ t: l.time as number, d: l.event === 'start' ? 1 : -1, profile: l.aws.AWS_PROFILE! })).sort((a, b) => a.t - b.t || a.d - b.d);
    let all = 0;
    let peak = 0;
    const per = new Map<string, number>();
    let perPeak = 0;
    for (const e of events) {
      all += e.d;
      per.set(e.profile, (per.get(e.profile) ?? 0) + e.d);
      peak = Math.max(peak, all);
      perPeak = Math.max(perPeak, per.get(e.profile)!);
    }
    assert.ok(peak <= 3 && peak >= 2, `peak ${peak}`);
    assert.equal(perPeak <= 2, true, `per-profile peak ${perPeak}`);
  });

  it('syncs first with real git (file:// remotes), then deploys the synced branch and records commits', async () => {
    p = makeProject({ repos: ['orders'], services: ['a'], profiles: ['ci-1'] });
    const remote = path.join(p.root, 'remotes', 'orders');
    const src = path.join(p.repos, 'orders');
    const git = (args: string[], cwd: string): string => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } }).trim();
    rmSync(path.join(src, '.git'), { recursive: true });
    git(['init', '-q', '-b', 'main'], src);
    git(['add', '-A'], src);
    git(['commit', '-qm', 'init'], src);
    git(['switch', '-qc', 'feat/x'], src);
    writeFileSync(path.join(src, 'services', 'a', 'serverless.yml'), 'service: orders-a-on-branch\n');
    git(['commit', '-qam', 'branch'], src);
    const sha = git(['rev-parse', 'HEAD'], src);
    execFileSync('git', ['clone', '-q', '--bare', src, remote]);
    rmSync(src, { recursive: true });
    const ctx = makeCtx(p);
    const res = await deploy(ctx, flags({ sync: true }));
    assert.equal(res.ok, true, ctx.err());
    assert.equal(res.state.repos.orders!.commit, sha);
    assert.equal(res.state.repos.orders!.branch, 'feat/x');
    assert.deepEqual(p.journalLines().filter((l) => l.event === 'start').map((l) => l.key), ['orders-a-on-branch@ci-1']);
  });

  it('draws a listr2 tree grouped by profile on a TTY', async () => {
    p = makeProject({ repos: ['orders'], services: ['a'], profiles: ['ci-1', 'ci-2'], env: { SLS_FIXTURE_PERMANENT: '1', SLS_FIXTURE_MATCH: '@ci-2$' } });
    const ctx = { ...makeCtx(p), interactive: true };
    const res = await deploy(ctx, flags());
    assert.equal(res.ok, false);
    const err = ctx.err();
    assert.match(err, /ci-1/);
    assert.match(err, /orders\/services\/a {2}ok · 1× · /);
    assert.match(err, /orders\/services\/a {2}failed: permanent \(unresolved-variable\)/);
  });

  it('retries a transient failure k ≤ retries times and succeeds with k+1 attempts', async () => {
    p = makeProject({ repos: ['orders'], services: ['a'], profiles: ['ci-1', 'ci-2'], env: { SLS_FIXTURE_TRANSIENT: '2', SLS_FIXTURE_MATCH: '@ci-1$' } });
    const ctx = makeCtx(p);
    const res = await deploy(ctx, flags({ retry: '2' }));
    assert.equal(res.ok, true, ctx.err());
    const byProfile = Object.fromEntries(res.state.deploys.map((d) => [d.profile, d]));
    assert.deepEqual(byProfile['ci-1']!.attempts.map((a) => a.outcome), ['transient', 'transient', 'ok']);
    assert.equal(byProfile['ci-2']!.attempts.length, 1);
    assert.match(ctx.err(), /transient failure \(throttled\); attempt 2/);
  });

  it('gives up after retries and marks the failure transient; the profile is unhealthy', async () => {
    p = makeProject({ repos: ['orders'], services: ['a'], profiles: ['ci-1'], env: { SLS_FIXTURE_TRANSIENT: '5' } });
    const ctx = makeCtx(p);
    const res = await deploy(ctx, flags({ retry: '1' }));
    assert.equal(res.ok, false);
    const d = res.state.deploys[0]!;
    assert.equal(d.status, 'failed');
    assert.equal(d.failureClass, 'transient');
    assert.equal(d.attempts.length, 2);
    assert.equal(res.state.profiles['ci-1']!.healthy, false);
  });

  it('runs a permanent failure exactly once, shows its last lines and log, and marks the profile unhealthy', async () => {
    p = makeProject({ repos: ['orders'], services: ['a', 'b'], profiles: ['ci-1', 'ci-2'], env: { SLS_FIXTURE_PERMANENT: '1', SLS_FIXTURE_MATCH: '^orders-a@ci-2$', SLS_FIXTURE_ECHO_SECRET: '1' } });
    const ctx = makeCtx(p);
    const res = await deploy(ctx, flags());
    assert.equal(res.ok, false);
    const failed = res.state.deploys.filter((d) => d.status === 'failed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.attempts.length, 1);
    assert.equal(failed[0]!.failureClass, 'permanent');
    assert.equal(p.journalLines().filter((l) => l.event === 'start' && l.key === 'orders-a@ci-2').length, 1);
    const state = readState(path.join(p.root, '.uber', 'state.json'))!;
    assert.equal(state.profiles['ci-2']!.healthy, false);
    assert.deepEqual(state.profiles['ci-2']!.failed, ['orders/services/a']);
    assert.equal(state.profiles['ci-1']!.healthy, true);
    assert.match(ctx.err(), /Cannot resolve variable at "custom\.tableName"/);
    assert.match(ctx.err(), /full log: .*\.uber\/runs\/[^/]+-deploy-[0-9a-f]{6}\/logs\/ci-2\/orders--services-a\.log/);
    assert.match(ctx.err(), /failed: permanent \(unresolved-variable\)/);
    // the secret echoed by the fixture is redacted everywhere
    const log = readFileSync(failed[0]!.log, 'utf8');
    assert.match(log, /aws_secret_access_key = \*\*\*/);
    for (const text of [ctx.err(), ctx.out(), log, readFileSync(path.join(p.root, '.uber', 'state.json'), 'utf8')]) {
      assert.ok(!text.includes(SECRET), 'secret leaked');
      assert.ok(!text.includes(KEY_ID), 'key id leaked');
    }
  });

  it('--fail-fast cancels what is queued and running at the first permanent failure', async () => {
    p = makeProject({ repos: ['orders'], services: ['a', 'b', 'c'], profiles: ['ci-1', 'ci-2'], deploy: { concurrency: 2, perProfile: 1 }, env: { SLS_FIXTURE_PERMANENT: '1', SLS_FIXTURE_MATCH: '^orders-a@ci-1$', SLS_FIXTURE_MATCH_SLEEP_MS: '1000', SLS_FIXTURE_SLEEP_MS: '20000' } });
    const ctx = makeCtx(p);
    const res = await deploy(ctx, flags({ failFast: true }));
    assert.equal(res.ok, false);
    const st = Object.fromEntries(res.state.deploys.map((d) => [`${d.service}@${d.profile}`, d.status]));
    assert.equal(st['services/a@ci-1'], 'failed');
    assert.equal(st['services/a@ci-2'], 'cancelled', 'the running one is killed');
    assert.ok(Object.values(st).filter((s) => s === 'cancelled').length >= 5, JSON.stringify(st));
    assert.ok(p.journalLines().filter((l) => l.event === 'start').length <= 2, 'nothing new starts after the failure');
    assert.deepEqual(readdirSync(p.tmp), []);
  });

  it('retries a SIGKILLed deploy at lower concurrency', async () => {
    p = makeProject({ repos: ['orders'], services: ['a', 'b'], profiles: ['ci-1', 'ci-2'], env: { SLS_FIXTURE_SIGKILL: '1', SLS_FIXTURE_MATCH: '^orders-a@ci-1$' } });
    const ctx = makeCtx(p);
    const res = await deploy(ctx, flags());
    assert.equal(res.ok, true, ctx.err());
    const d = res.state.deploys.find((x) => x.service === 'services/a' && x.profile === 'ci-1')!;
    assert.deepEqual(d.attempts.map((a) => a.outcome), ['transient', 'ok']);
    assert.match(ctx.err(), /a deploy died \(killed\); running at most 2 at once/);
  });

  it('stops an attempt at deploy.timeout and does not retry it', async () => {
    p = makeProject({ repos: ['orders'], services: ['a'], profiles: ['ci-1'], deploy: { timeout: 1 }, env: { SLS_FIXTURE_SLEEP_MS: '30000' } });
    const res = await deploy(makeCtx(p), flags());
    const d = res.state.deploys[0] as (typeof res.state.deploys)[number] & { rule?: string };
    assert.equal(d.status, 'failed');
    assert.equal(d.rule, 'timeout');
    assert.equal(d.attempts.length, 1);
    for (const l of p.journalLines()) assert.throws(() => process.kill(l.pid, 0), /ESRCH/);
  });

  it('treats "No changes to deploy" as success (no-op)', async () => {
    p = makeProject({ repos: ['orders'], services: ['a'], profiles: ['ci-1'], env: { SLS_FIXTURE_NOOP: '1' } });
    const res = await deploy(makeCtx(p), flags());
    assert.equal(res.ok, true);
    assert.equal(res.state.deploys[0]!.status, 'no-op');
    assert.equal(res.state.profiles['ci-1']!.healthy, true);
  });

  it('rejects an unknown profile before anything runs, naming the known ones', async () => {
    p = makeProject({ repos: ['orders'], services: ['a'] });
    await assert.rejects(deploy(makeCtx(p), flags({ profiles: 'ci-1,nope' })), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /Profile "nope" is not in .*known profiles: ci-1, ci-2, ci-3\./);
      return true;
    });
    assert.deepEqual(p.journalLines(), []);
    assert.equal(existsSync(path.join(p.root, '.uber')), false);
  });

  it('rejects a bad branch, a bad --retry, an unknown placeholder and a glob that matches nothing', async () => {
    p = makeProject({ repos: ['orders'], services: ['a'] });
    await assert.rejects(deploy(makeCtx(p), flags({ branch: 'bad..name' })), /Branch name "bad\.\.name" is not valid/);
    await assert.rejects(deploy(makeCtx(p), flags({ retry: 'x' })), /--retry must be a whole number/);
    await assert.rejects(deploy(makeCtx(p), flags({ branch: undefined })), /needs --branch/);
    const q = makeProject({ repos: ['orders'], services: ['a'], deploy: { command: 'sls deploy --x {nope}' } });
    try {
      await assert.rejects(deploy(makeCtx(q), flags()), /unknown placeholder \{nope\}/);
    } finally {
      q.cleanup();
    }
    const m = makeProject({ repos: ['orders'], services: ['a'], deploy: { command: 'no-such-deploy-tool deploy' } });
    try {
      await assert.rejects(deploy(makeCtx(m), flags()), /deploy\.command runs "no-such-deploy-tool", which is neither in node_modules\/\.bin of orders\/services\/a nor on PATH/);
    } finally {
      m.cleanup();
    }
    const r = makeProject({ repos: ['orders'], services: [] });
    try {
      await assert.rejects(deploy(makeCtx(r), flags()), /services\[0\] "services\/\*\/serverless\.yml" matches nothing/);
    } finally {
      r.cleanup();
    }
    assert.deepEqual(p.journalLines(), []);
  });

  it('stops on abort: kills running deploys, removes temp dirs, records what finished, throws InterruptedError', async () => {
    p = makeProject({ repos: ['orders'], services: ['a', 'b'], profiles: ['ci-1', 'ci-2'], deploy: { concurrency: 2 }, env: { SLS_FIXTURE_SLEEP_MS: '20000' } });
    const ctx = makeCtx(p);
    const started = Date.now();
    setTimeout(() => ctx.controller.abort(), 1500);
    await assert.rejects(deploy(ctx, flags()), { name: 'InterruptedError' });
    assert.ok(Date.now() - started < 10_000);
    assert.deepEqual(readdirSync(p.tmp), []);
    const state = readState(path.join(p.root, '.uber', 'state.json'))!;
    assert.equal(state.interrupted, true);
    assert.ok(state.deploys.every((d) => d.status === 'cancelled'));
    for (const l of p.journalLines()) assert.throws(() => process.kill(l.pid, 0), /ESRCH/);
  });
});
