// Deploys that overlap with test runs and with each other: accounts locked through the lease store, state merged, logs per run.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { deployCommand } from '../../src/cli/deploy.js';
import type { Ctx } from '../../src/context.js';
import { deploy, type DeployFlags, type DeployResult } from '../../src/deploy/deploy.js';
import { findOverlaps, readAudit } from '../../src/lease/audit.js';
import { summariseDeploys } from '../../src/report/deploy-summary.js';
import { newRunId } from '../../src/run/id.js';
import { healthyProfiles, readState } from '../../src/state/state.js';
import { holdWorkspace } from '../../src/workspace/hold.js';
import { makeCtx, makeProject, type Project } from './workspace.js';

const flags = (f: Partial<DeployFlags> = {}): DeployFlags => ({ branch: 'feat/x', sync: false, failFast: false, keepTemp: false, json: false, ...f });
const printed = async (ctx: Ctx, f: DeployFlags): Promise<DeployResult> => (await deployCommand(ctx, f)).result;

/** One test of a test run in its own process, holding `profile` through uber's lease pool from take() until release(). */
class TestHolder {
  readonly child: ChildProcessWithoutNullStreams;
  readonly ready: Promise<void>;
  readonly held: Promise<number>;
  private readonly exited: Promise<void>;

  constructor(leaseDir: string, profile: string, test: string, file: string) {
    this.child = spawn(process.execPath, ['--import', 'tsx', path.resolve('test/deploy/test-holder.ts'), leaseDir, profile, test, file], { stdio: 'pipe' });
    this.exited = new Promise((r) => this.child.on('exit', () => r()));
    const lines = createInterface({ input: this.child.stdout });
    const line = (prefix: string): Promise<string> =>
      new Promise((resolve, reject) => {
        lines.on('line', (l) => l.startsWith(prefix) && resolve(l));
        this.child.on('exit', (code) => reject(new Error(`holder exited (${code}) before "${prefix}" on ${profile}`)));
      });
    this.ready = line('ready').then(() => undefined);
    this.held = line('held ').then((l) => Number(l.slice(5)));
    this.held.catch(() => undefined);
  }

  /** Starts leasing (once loaded, so the lease is asked for at once); resolves when it holds the profile. */
  async take(): Promise<number> {
    await this.ready;
    this.child.stdin.write('take\n');
    return this.held;
  }

  async release(): Promise<void> {
    this.child.stdin.write('release\n');
    await this.exited;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

/** Makes a fixture repo a real clone of a bare remote (what the project's config points at), on feat/x. */
function toClone(p: Project, repo: string): void {
  const git = (args: string[], cwd: string): string => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } }).trim();
  const src = path.join(p.repos, repo);
  rmSync(path.join(src, '.git'), { recursive: true });
  git(['init', '-q', '-b', 'feat/x'], src);
  git(['add', '-A'], src);
  git(['commit', '-qm', 'init'], src);
  execFileSync('git', ['clone', '-q', '--bare', src, path.join(p.root, 'remotes', repo)]);
  rmSync(src, { recursive: true });
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; !ok(); i += 1) {
    if (i > 2400) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('deploy alongside test runs and other deploys', function () {
  this.timeout(120_000);
  let p: Project;
  const holders: TestHolder[] = [];
  afterEach(() => {
    for (const h of holders.splice(0)) h.kill();
    p?.cleanup();
  });

  it('waits for a test holding the account (saying who), deploys into the others meanwhile, and goes ahead once it is released', async () => {
    p = makeProject({ repos: ['orders'], services: ['a', 'b'], profiles: ['ci-1', 'ci-2'] });
    const leases = path.join(p.root, '.uber', 'leases');
    const holder = new TestHolder(leases, 'ci-1', 'adds an order', 'orders.spec.ts');
    holders.push(holder);
    const pid = await holder.take();
    const ctx = makeCtx(p);
    const running = printed(ctx, flags());
    await until('the deploy to say it waits', () => ctx.err().includes('deploy ci-1: waiting for the account'));
    assert.match(ctx.err(), new RegExp(`deploy ci-1: waiting for the account, held by pid ${pid} \\(test "adds an order" in orders\\.spec\\.ts, since \\d\\d:\\d\\d:\\d\\dZ\\)`));
    // the other account is not held up by it
    await until('ci-2 to be deployed', () => p.journalLines().filter((l) => l.event === 'end' && l.aws.AWS_PROFILE === 'ci-2').length === 2);
    assert.equal(p.journalLines().filter((l) => l.aws.AWS_PROFILE === 'ci-1').length, 0, 'nothing deployed into the held account');
    await holder.release();
    const res = await running;
    assert.equal(res.ok, true, ctx.err());
    const audit = readAudit(path.join(leases, 'audit.jsonl'));
    const test = audit.find((r) => r.test === 'adds an order')!;
    const firstIntoCi1 = Math.min(...p.journalLines().filter((l) => l.aws.AWS_PROFILE === 'ci-1').map((l) => l.time as number));
    assert.ok(firstIntoCi1 >= test.end, 'the first deploy into ci-1 started after the test let go');
    const holds = audit.filter((r) => r.kind === 'deploy');
    assert.deepEqual(holds.map((r) => [r.profile, r.test, r.file, r.run]).sort(), [['ci-1', null, null, res.runId], ['ci-2', null, null, res.runId]]);
    assert.deepEqual(findOverlaps(audit), []);
  });

  it('makes a test wait while a deploy holds the account, and the audit proves they never overlapped', async () => {
    p = makeProject({ repos: ['orders'], services: ['a', 'b'], profiles: ['ci-1'], env: { SLS_FIXTURE_SLEEP_MS: '5000' } });
    const leases = path.join(p.root, '.uber', 'leases');
    const holder = new TestHolder(leases, 'ci-1', 'lists orders', 'orders.spec.ts');
    holders.push(holder);
    await holder.ready;
    const ctx = makeCtx(p);
    const running = printed(ctx, flags());
    await until('the first deploy to start', () => p.journalLines().some((l) => l.event === 'start'));
    void holder.take();
    // the test is in line for the account while the deploys still run
    await until('the test to queue for ci-1', () => existsSync(path.join(leases, 'queue')) && readdirSync(path.join(leases, 'queue')).length > 0);
    assert.equal(p.journalLines().filter((l) => l.event === 'end').length, 0);
    const res = await running;
    assert.equal(res.ok, true, ctx.err());
    await holder.held;
    await holder.release();
    const audit = readAudit(path.join(leases, 'audit.jsonl'));
    const hold = audit.find((r) => r.kind === 'deploy')!;
    const test = audit.find((r) => r.test === 'lists orders')!;
    const lastEnd = Math.max(...p.journalLines().filter((l) => l.event === 'end').map((l) => l.time as number));
    assert.ok(hold.end >= lastEnd, 'the deploy held the account until its last deploy ended');
    assert.ok(test.start >= hold.end, `the test took the account (${test.start}) after the deploy let go (${hold.end})`);
    assert.deepEqual(findOverlaps(audit), []);
  });

  it('fails only the held account\'s deploys, with the reason, after deploy.lockTimeout', async () => {
    p = makeProject({ repos: ['orders'], services: ['a'], profiles: ['ci-1', 'ci-2'], deploy: { lockTimeout: 1 } });
    const holder = new TestHolder(path.join(p.root, '.uber', 'leases'), 'ci-2', 'never ends', 'slow.spec.ts');
    holders.push(holder);
    const pid = await holder.take();
    const ctx = makeCtx(p);
    const res = await printed(ctx, flags());
    assert.equal(res.ok, false);
    const [one, two] = res.outcomes;
    assert.equal(one!.status, 'ok');
    assert.equal(two!.status, 'failed');
    assert.equal(two!.rule, 'account-busy');
    assert.match(two!.tail[0]!, new RegExp(`account "ci-2" stayed held for 1\\.00 s \\(deploy.lockTimeout\\), last by pid ${pid} \\(test "never ends" in slow\\.spec\\.ts`));
    assert.match(ctx.err(), /failed: permanent \(account-busy\)/);
    assert.deepEqual(healthyProfiles(readState(res.statePath)), ['ci-1']);
    assert.equal(p.journalLines().filter((l) => l.aws.AWS_PROFILE === 'ci-2').length, 0);
  });

  it('keeps both of two deploys at once into different profiles in state.json, each with its own logs', async () => {
    p = makeProject({ repos: ['orders'], services: ['a', 'b'], profiles: ['ci-1', 'ci-2'] });
    const [r1, r2] = await Promise.all([deploy(makeCtx(p), flags({ profiles: 'ci-1' })), deploy(makeCtx(p), flags({ profiles: 'ci-2' }))]);
    assert.ok(r1.ok && r2.ok);
    assert.notEqual(r1.logs, r2.logs);
    const state = readState(r1.statePath)!;
    assert.deepEqual(Object.keys(state.profiles).sort(), ['ci-1', 'ci-2']);
    assert.deepEqual(healthyProfiles(state)!.sort(), ['ci-1', 'ci-2']);
    assert.equal(state.deploys.length, 4);
    for (const d of state.deploys) {
      const run = d.profile === 'ci-1' ? r1 : r2;
      assert.equal(d.runId, run.runId);
      assert.ok(d.log.startsWith(run.logs), d.log);
      assert.match(readFileSync(d.log, 'utf8'), new RegExp(`Deploying orders-\\w to stage ci \\(${d.profile}\\)`));
    }
    // a later deploy into one of them: its records are the newest, the other profile's stay
    const r3 = await deploy(makeCtx(p), flags({ profiles: 'ci-1', branch: 'feat/y' }));
    const after = readState(r3.statePath)!;
    assert.deepEqual(after.deploys.map((d) => `${d.profile}:${d.runId === r3.runId ? 'r3' : d.runId === r2.runId ? 'r2' : 'r1'}`).sort(), ['ci-1:r3', 'ci-1:r3', 'ci-2:r2', 'ci-2:r2']);
    assert.equal(after.profiles['ci-2']!.runId, r2.runId);
    // uber report shows the newest run only
    const summary = summariseDeploys(after);
    assert.deepEqual([summary.branch, summary.deploys, summary.profiles.map((x) => x.profile)], ['feat/y', 2, ['ci-1']]);
  });

  it('does not deploy the services of a repo whose sync did not succeed: they are skipped, never "ok", and write no record', async () => {
    p = makeProject({ repos: ['orders', 'users'], services: ['a'], profiles: ['ci-1'] });
    toClone(p, 'orders');
    rmSync(path.join(p.repos, 'users', '.git'), { recursive: true }); // users: a folder that is not a clone, so sync skips it (commit null)
    const ctx = makeCtx(p);
    const res = await printed(ctx, flags({ sync: true }));
    assert.equal(res.ok, false);
    assert.equal(res.state.repos.users, undefined, 'a skipped repo records no commit');
    const users = res.outcomes.find((o) => o.pair.repo === 'users')!;
    assert.equal(users.status, 'skipped');
    assert.equal(users.rule, 'not-synced');
    assert.match(users.tail[0]!, /repo "users" was not synced \(skipped: .*is not a git clone.*\), so its services were not deployed and each account keeps what it ran/);
    assert.equal(res.outcomes.find((o) => o.pair.repo === 'orders')!.status, 'ok');
    assert.deepEqual(p.journalLines().filter((l) => l.event === 'start').map((l) => l.key), ['orders-a@ci-1']);
    assert.deepEqual(res.state.deploys.map((d) => d.repo), ['orders'], 'no record for the skipped pair');
  });

  it('a repo busy with a test run: its services are skipped (said once, naming the run), and no account turns unhealthy for them', async () => {
    p = makeProject({ repos: ['orders', 'users'], services: ['a'], profiles: ['ci-1', 'ci-2'] });
    toClone(p, 'orders');
    toClone(p, 'users');
    const file = path.join(p.root, 'uber.config.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), sync: { waitForTests: 0 } }));
    const first = await deploy(makeCtx(p), flags({ sync: true }));
    assert.equal(first.ok, true);
    const paths = { root: path.join(p.root, '.uber') };
    const before = readState(first.statePath)!;

    // a test run that uses orders only: users deploys, orders is skipped
    const runId = newRunId('test');
    const hold = await holdWorkspace({ paths, runId, repos: ['orders'] });
    try {
      const ctx = makeCtx(p);
      const res = await printed(ctx, flags({ sync: true }));
      assert.equal(res.ok, false, 'what was asked for did not all deploy');
      assert.deepEqual(res.outcomes.map((o) => `${o.pair.repo} ${o.pair.profile} ${o.status} ${o.rule ?? ''}`), ['orders ci-1 skipped repo-busy', 'users ci-1 ok success', 'orders ci-2 skipped repo-busy', 'users ci-2 ok success']);
      const said = ctx.err().split('\n').filter((l) => l.includes(`repo "orders" is busy: test run ${runId} (pid ${process.pid}`));
      assert.equal(said.length, 1, ctx.err());
      assert.match(said[0]!, /so its services were not deployed and each account keeps what it ran; deploy again once that run ends/);
      assert.match(ctx.err(), /all profiles healthy/);
      assert.deepEqual(healthyProfiles(readState(res.statePath)), ['ci-1', 'ci-2'], 'uber test still has every account');
      const orders = readState(res.statePath)!.deploys.filter((d) => d.repo === 'orders');
      assert.deepEqual(orders.map((d) => d.runId), [first.runId, first.runId], "orders' last records stand");
      assert.deepEqual(readState(res.statePath)!.repos.orders, before.repos.orders);
    } finally {
      hold.release();
    }

    // a test run that uses every repo: nothing deploys, and state.json's accounts are as they were
    const all = await holdWorkspace({ paths, runId: newRunId('test') });
    try {
      const starts = p.journalLines().filter((l) => l.event === 'start').length;
      const accounts = readState(first.statePath)!.profiles;
      const res = await printed(makeCtx(p), flags({ sync: true }));
      assert.equal(res.ok, false);
      assert.ok(res.outcomes.every((o) => o.status === 'skipped' && o.rule === 'repo-busy'));
      assert.equal(p.journalLines().filter((l) => l.event === 'start').length, starts, 'no deploy started');
      const after = readState(res.statePath)!;
      assert.deepEqual(healthyProfiles(after), ['ci-1', 'ci-2']);
      assert.deepEqual(after.profiles, accounts, "every account's record is as it was");
    } finally {
      all.release();
    }
  });

  it('returns the run as data and prints nothing itself (the CLI prints)', async () => {
    p = makeProject({ repos: ['orders'], services: ['a'], profiles: ['ci-1'] });
    const ctx = makeCtx(p);
    const events: string[] = [];
    const res = await deploy(ctx, flags({ json: true }), { onEvent: (e) => events.push(e.kind) });
    assert.equal(res.ok, true);
    assert.equal(ctx.err(), '');
    assert.equal(ctx.out(), '');
    assert.deepEqual(events, ['start', 'done']);
  });

  it('replaces a damaged state.json, saying so', async () => {
    p = makeProject({ repos: ['orders'], services: ['a'], profiles: ['ci-1'] });
    const file = path.join(p.root, '.uber', 'state.json');
    const ctx = makeCtx(p);
    await deploy(makeCtx(p), flags());
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 40));
    const res = await printed(ctx, flags());
    assert.equal(res.ok, true);
    assert.match(ctx.err(), /state\.json was damaged \(it is not valid JSON \(cut short\?\)\); uber deploy replaced it/);
    assert.deepEqual(healthyProfiles(readState(file)), ['ci-1']);
  });

  it('marks a profile as deploying while its deploy runs, so a killed run leaves it unhealthy', async () => {
    p = makeProject({ repos: ['orders'], services: ['a'], profiles: ['ci-1', 'ci-2'], env: { SLS_FIXTURE_SLEEP_MS: '1500' } });
    await deploy(makeCtx(p), flags());
    const file = path.join(p.root, '.uber', 'state.json');
    assert.deepEqual(healthyProfiles(readState(file)), ['ci-1', 'ci-2']);
    const ctx = makeCtx(p);
    const running = deploy(ctx, flags({ profiles: 'ci-2' }));
    await until('the deploy into ci-2 to start', () => p.journalLines().filter((l) => l.event === 'start').length === 3);
    const mid = readState(file)!;
    assert.deepEqual(healthyProfiles(mid), ['ci-1'], 'while it deploys, ci-2 is not healthy');
    assert.equal(mid.profiles['ci-2']!.deploying!.pid, process.pid);
    await running;
    assert.deepEqual(healthyProfiles(readState(file)), ['ci-1', 'ci-2']);
    assert.ok(!existsSync(path.join(p.root, '.uber', 'locks', 'state.lock')), 'the state lock is freed');
  });
});
