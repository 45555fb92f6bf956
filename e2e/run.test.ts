// uber run (the built binary, fixture sls, plain profiles): each account is tested only after its own deploys, the first before the slowest is ready.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { newRunId } from '../src/run/id.js';
import { renderConfig, renderCredentials } from '../src/sandbox/aws-files.js';
import { startSandbox } from '../test/deploy/accounts.js';
import { holdWorkspace } from '../src/workspace/hold.js';
import { overlappingLeases, type AuditLine } from './support/demo-flow.js';
import { makeChaosProject, type ChaosProject } from './support/project.js';
import { waitForNoTagged, killTagged } from './support/procs.js';
import { writeSuite } from './support/suite.js';
import { runUber, startUber } from './support/uber.js';

const PROFILES = ['ci-1', 'ci-2', 'ci-3'];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function project(env: NodeJS.ProcessEnv = {}): ChaosProject {
  const p = makeChaosProject({
    profiles: PROFILES,
    repos: [{ name: 'orders', services: ['services/a', 'services/b'] }],
    deploy: { concurrency: 6, perProfile: 2 },
    // ci-1 is ready long before ci-3: the tests must start in between
    env: { SLS_FIXTURE_SLEEP_BY_PROFILE: 'ci-1=100,ci-2=1500,ci-3=8000', ...env },
  });
  writeSuite(p, 4, 3, 150);
  return p;
}

/** Epoch ms each profile's last fixture deploy ended (from the fixture's own journal). */
function deployEnds(p: ChaosProject): Map<string, number> {
  const ends = new Map<string, number>();
  for (const l of p.journal() as unknown as Array<{ event: string; key: string; time: number }>) {
    if (l.event !== 'end') continue;
    const profile = l.key.split('@')[1]!;
    ends.set(profile, Math.max(ends.get(profile) ?? 0, l.time));
  }
  return ends;
}

type Line = AuditLine & { kind?: string };
/** The lease audit as written, every field kept (deploy holds carry kind "deploy"). */
function readAuditLines(dir: string): Line[] {
  const file = path.join(dir, '.uber', 'leases', 'audit.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim().startsWith('{')).map((l) => JSON.parse(l) as Line);
}

const testLeases = (lines: readonly Line[]): Line[] => lines.filter((l) => l.kind !== 'deploy');
const deployHolds = (lines: readonly Line[]): Line[] => lines.filter((l) => l.kind === 'deploy');

describe('e2e: uber run pipelines deploy and test per account', function () {
  this.timeout(180_000);
  const made: ChaosProject[] = [];
  after(() => made.forEach((p) => p.cleanup()));

  it('tests each account only after its deploys end, starts before the slowest is ready, exits 0 with 0 overlaps', async () => {
    const p = project();
    made.push(p);
    const r = await runUber(['run', '--branch', 'main'], { cwd: p.dir, env: p.env });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const ends = deployEnds(p);
    assert.deepEqual([...ends.keys()].sort(), PROFILES);
    const audit = readAuditLines(p.dir);
    const tests = testLeases(audit);
    assert.equal(tests.length, 12, 'every test leased an account');
    for (const t of tests) {
      assert.ok(t.start >= ends.get(t.profile)!, `a test leased ${t.profile} at ${t.start}, before its last deploy ended at ${ends.get(t.profile)}`);
      const hold = deployHolds(audit).find((h) => h.profile === t.profile);
      assert.ok(hold && t.start >= hold.end, `the deploy's hold of ${t.profile} ended at ${hold?.end}, a test leased it at ${t.start}`);
    }
    // and each deploy hold covered its account's deploys from the first start to the last end
    for (const profile of PROFILES) {
      const hold = deployHolds(audit).find((h) => h.profile === profile)!;
      const starts = p.journal().filter((l) => l.event === 'start' && l.key.endsWith(`@${profile}`)).map((l) => l.time);
      assert.ok(hold.start <= Math.min(...starts) && hold.end >= ends.get(profile)!, `${profile}: the deploy's hold covers its deploys`);
    }
    const firstTest = Math.min(...tests.map((t) => t.start));
    assert.ok(firstTest < ends.get('ci-3')!, 'tests started while ci-3 was still deploying');
    assert.deepEqual(overlappingLeases(audit), []);
    // the audit as uber test writes it: each test's lease names its test, file and the one test run; each deploy hold its deploy run
    const testRuns = new Set(tests.map((t) => t.run));
    assert.equal(testRuns.size, 1, 'one test run');
    assert.match([...testRuns][0] ?? '', /test/);
    for (const t of tests) assert.ok(t.test && t.file?.endsWith('.spec.mjs') && t.ended === 'released', JSON.stringify(t));
    const deployRuns = new Set(deployHolds(audit).map((h) => h.run));
    assert.equal(deployRuns.size, 1);
    assert.ok(!deployRuns.has([...testRuns][0]), 'deploy holds are the deploy run\'s, not the test run\'s');
    assert.deepEqual(p.leases(), [], 'no lock left');
    assert.deepEqual(p.tempLeft(), [], 'no temp dir left');
    // uber report reads this run's tests as it reads uber test's: 12 tests, each with its account
    const report = await runUber(['report', '--tests', '--json'], { cwd: p.dir, env: p.env });
    assert.equal(report.code, 0, report.stderr);
    const summary = (JSON.parse(report.stdout) as { tests: { summary: { tests: { passed: number }; profiles: { profile: string; tests: number }[] } } }).tests.summary;
    assert.equal(summary.tests.passed, 12, report.stdout);
    assert.equal(summary.profiles.reduce((a, x) => a + x.tests, 0), 12, report.stdout);
    assert.match(r.stderr, /uber run: tests start (on ci-1|while every account deploys)/);
    assert.match(r.stderr, /deploy then test would take about .*saved/);
    const page = /one time axis: (\S+run-waterfall\.html)/.exec(r.stderr)?.[1];
    assert.ok(page && existsSync(page), 'the run waterfall was written');
    const json = /<script id="uber-data" type="application\/json">(.*?)<\/script>/s.exec(readFileSync(page, 'utf8'))?.[1] ?? '{}';
    const chart = JSON.parse(json) as { lanes: { id: string; finishMs: number }[]; bars: { lane: string; kind: string; startMs: number }[] };
    assert.deepEqual(chart.lanes.map((l) => l.id), PROFILES.map((p) => `account:${p}`), 'one lane per account');
    assert.equal(chart.bars.filter((b) => b.kind === 'attempt').length, 6);
    assert.equal(chart.bars.filter((b) => b.kind === 'test').length, 12);
    for (const lane of chart.lanes) {
      for (const b of chart.bars.filter((x) => x.lane === lane.id && x.kind === 'test')) assert.ok(b.startMs >= lane.finishMs, `${lane.id}: a test drawn before its deploys ended`);
    }
  });

  it('never tests an account whose deploy failed, says so, and exits 1', async () => {
    const p = project({ SLS_FIXTURE_MATCH: '@ci-2$', SLS_FIXTURE_PERMANENT: '1' });
    made.push(p);
    const r = await runUber(['run', '--branch', 'main'], { cwd: p.dir, env: p.env });
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    const tests = testLeases(readAuditLines(p.dir));
    assert.equal(tests.length, 12, 'the suite still ran on the healthy accounts');
    const leased = new Set(tests.map((t) => t.profile));
    assert.ok(!leased.has('ci-2'), 'no test leased the failed account');
    assert.ok(leased.has('ci-1'), 'the first ready account was tested');
    assert.match(r.stderr, /not tested \(a deploy into it failed\): ci-2/);
    assert.deepEqual(p.leases(), [], 'the failed account was released at the end');
  });

  it('a damaged .uber/state.json: the deploy replaces it (said once), every account is tested, exit 0; uber test then reads the new state', async () => {
    const p = project({ SLS_FIXTURE_SLEEP_BY_PROFILE: 'ci-1=50,ci-2=50,ci-3=50' });
    made.push(p);
    const state = path.join(p.dir, '.uber', 'state.json');
    mkdirSync(path.dirname(state), { recursive: true });
    writeFileSync(state, '{"version": 1, "branch": "ma');
    const r = await runUber(['run', '--branch', 'main'], { cwd: p.dir, env: p.env });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.equal(`${r.stdout}${r.stderr}`.match(/state\.json was damaged \(.*\); uber deploy replaced it with this run's records\./g)?.length, 1, r.stdout + r.stderr);
    assert.deepEqual(new Set(testLeases(readAuditLines(p.dir)).map((t) => t.profile)), new Set(PROFILES));
    assert.deepEqual(Object.keys((JSON.parse(readFileSync(state, 'utf8')) as { profiles: object }).profiles).sort(), PROFILES);
    const tested = await runUber(['test', '--parallel'], { cwd: p.dir, env: p.env });
    assert.equal(tested.code, 0, tested.stderr);
  });

  it('runs no test when every account fails, and says why', async () => {
    const p = project({ SLS_FIXTURE_PERMANENT: '1' });
    made.push(p);
    const r = await runUber(['run', '--branch', 'main'], { cwd: p.dir, env: p.env });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(testLeases(readAuditLines(p.dir)).length, 0);
    assert.match(r.stderr, /no tests ran: no account deployed without a failure/);
    // mocha had started while they deployed; stopped before any test, its run says nothing (no "crashed" files)
    assert.doesNotMatch(r.stderr, /crashed|0 tests in/);
    // mocha, started while the accounts deployed, was stopped with the test phase, not left waiting
    assert.deepEqual(await waitForNoTagged(p.tag, 6000), [], 'no mocha or worker left');
  });

  it('UBER_TRACE=1 prints the phase trace: every account held, then mocha starts, each account is ready, then leased', async () => {
    const p = project({ SLS_FIXTURE_SLEEP_BY_PROFILE: 'ci-1=100,ci-2=100,ci-3=300', UBER_TRACE: '1' });
    made.push(p);
    const r = await runUber(['run', '--branch', 'main'], { cwd: p.dir, env: p.env });
    assert.equal(r.code, 0, r.stderr);
    // the phase trace: "   812 ms  uber 4242           ci-1 ready (+3)", ms since uber started
    const marks = [...r.stderr.matchAll(/^\s*(\d+) ms {2}(\w+) \d+\s+(.+?)(?: \(\+\d+\))?$/gm)].map((m) => ({ ms: Number(m[1]), role: m[2]!, phase: m[3]! }));
    const at = (role: string, phase: string): number => {
      const m = marks.find((x) => x.role === role && x.phase === phase);
      assert.ok(m, `the trace has ${role} "${phase}": ${r.stderr}`);
      return m.ms;
    };
    const held = at('uber', 'every account held: mocha gets its command line');
    assert.ok(at('uber', 'deploy planned') <= held);
    assert.ok(at('mocha', 'process started') >= held, `mocha started once every account was held: ${r.stderr}`);
    const ready = PROFILES.map((profile) => at('uber', `${profile} ready`));
    assert.ok(Math.min(...ready) >= held, `every account became ready after it was held: ${r.stderr}`);
    assert.ok(at('worker', 'lease acquired') >= Math.min(...ready), `the first lease came after the first account was ready: ${r.stderr}`);
    assert.ok(at('uber', 'deploys ended') >= Math.max(...ready));
    assert.ok(at('uber', 'run finished') >= at('uber', 'mocha exited'));
  });

  it('a run with nothing to deploy (every pair unchanged in its account) tests at once, and its summary says so', async () => {
    const sb = await startSandbox(3);
    try {
      const accounts = sb.running.map((r) => r.account);
      const p = makeChaosProject({
        profiles: sb.profiles,
        repos: [{ name: 'orders', services: ['services/a', 'services/b'] }],
        deploy: { concurrency: 6, perProfile: 2, recordTable: `uber-deploys-${process.pid}` },
        awsConfig: renderConfig(accounts, 'sandbox'),
        awsCredentials: renderCredentials(accounts),
      });
      made.push(p);
      writeSuite(p, 4, 3, 150);
      const first = await runUber(['run', '--branch', 'main'], { cwd: p.dir, env: p.env });
      assert.equal(first.code, 0, first.stderr);
      const deploys = p.journal().filter((l) => l.event === 'start').length;
      assert.equal(deploys, 6, 'the first run deployed every pair');

      const again = await runUber(['run', '--branch', 'main'], { cwd: p.dir, env: p.env });
      assert.equal(again.code, 0, again.stderr);
      assert.equal(p.journal().filter((l) => l.event === 'start').length, deploys, 'nothing deployed the second time');
      const err = again.stderr;
      const testsStart = err.indexOf(`uber run: tests start on ${sb.profiles.join(', ')};`);
      assert.ok(testsStart >= 0, `every account ready at once: ${err}`);
      // the tests started before the deploy phase had even finished its bookkeeping: its end (the table) comes after
      const deployEnd = err.indexOf('0 deploys: 0 ok, 0 no-op, 0 failed, 0 cancelled; 6 unchanged (not deployed)');
      assert.ok(deployEnd > testsStart, `the tests started before the deploy phase ended: ${err}`);
      assert.match(err, /deploys 0 ok, 0 failed, 6 unchanged \(not deployed\); accounts ready for tests: /);
      assert.match(err, /nothing to deploy \(every service unchanged in every account\), so the tests started at once \(\+\d/);
      const audit = readAuditLines(p.dir);
      assert.equal(deployHolds(audit).length, 3, 'only the first run took the accounts for deploys');
      assert.equal(testLeases(audit).length, 24, 'both runs tested every test');
      assert.deepEqual(overlappingLeases(audit), []);
    } finally {
      await sb.stop();
    }
  });

  it('a test run holding the workspace: deploy and run skip its repos (exit 1, said once), leave every account healthy, and the next uber test runs', async () => {
    const p = project({ SLS_FIXTURE_SLEEP_BY_PROFILE: '' });
    made.push(p);
    const file = path.join(p.dir, 'uber.config.yaml');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), sync: { waitForTests: 0 } }));
    const first = await runUber(['deploy', '--branch', 'main'], { cwd: p.dir, env: p.env });
    assert.equal(first.code, 0, first.stderr);
    const runId = newRunId('test');
    const hold = await holdWorkspace({ paths: { root: path.join(p.dir, '.uber') }, runId }); // this process stands in for the test run
    try {
      const starts = p.journal().filter((l) => l.event === 'start').length;
      const deployed = await runUber(['deploy', '--branch', 'main'], { cwd: p.dir, env: p.env });
      assert.equal(deployed.code, 1, deployed.stderr);
      assert.equal(deployed.stderr.split('\n').filter((l) => l.includes(`repo "orders" is busy: test run ${runId}`)).length, 1, deployed.stderr);
      assert.match(deployed.stderr, /6 skipped \(repo not synced, not deployed\)/);
      assert.match(deployed.stderr, /all profiles healthy/);

      const ran = await runUber(['run', '--branch', 'main'], { cwd: p.dir, env: p.env });
      assert.equal(ran.code, 1, ran.stderr);
      assert.match(ran.stderr, /not tested \(a repo did not sync, so its services were not deployed there\): ci-1, ci-2, ci-3/);
      assert.match(ran.stderr, /no tests ran: every account has services of a repo that did not sync/);
      assert.equal(p.journal().filter((l) => l.event === 'start').length, starts, 'nothing was deployed');
      assert.equal(testLeases(readAuditLines(p.dir)).length, 0, 'no test of uber run leased an account');
    } finally {
      hold.release();
    }
    const tested = await runUber(['test', '--parallel'], { cwd: p.dir, env: p.env });
    assert.equal(tested.code, 0, `the accounts' last deploys stand, so uber test runs: ${tested.stderr}`);
    assert.equal(testLeases(readAuditLines(p.dir)).length, 12, 'every test leased an account');
  });

  it('a test run holding one repo of two: uber run deploys the other, tests no account (each misses the held repo) and says why', async () => {
    const p = makeChaosProject({ profiles: PROFILES, repos: [{ name: 'orders' }, { name: 'users' }], deploy: { concurrency: 6, perProfile: 2 } });
    made.push(p);
    writeSuite(p, 2, 2, 50);
    const file = path.join(p.dir, 'uber.config.yaml');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), sync: { waitForTests: 0 } }));
    assert.equal((await runUber(['sync', '--branch', 'main'], { cwd: p.dir, env: p.env })).code, 0);
    const hold = await holdWorkspace({ paths: { root: path.join(p.dir, '.uber') }, runId: newRunId('test'), repos: ['orders'] });
    try {
      const r = await runUber(['run', '--branch', 'main'], { cwd: p.dir, env: p.env });
      assert.equal(r.code, 1, r.stderr);
      assert.deepEqual(p.journal().filter((l) => l.event === 'start').map((l) => l.key.split('@')[0]).sort(), ['users-a', 'users-a', 'users-a']);
      assert.match(r.stderr, /deploys 3 ok, 0 failed, 3 skipped; accounts ready for tests: none\./);
      assert.match(r.stderr, /not tested \(a repo did not sync, so its services were not deployed there\): ci-\d, ci-\d, ci-\d\./);
      assert.equal(testLeases(readAuditLines(p.dir)).length, 0, 'no test leased an account');
      assert.doesNotMatch(r.stderr, /crashed|0 tests in/);
      assert.deepEqual(p.leases(), [], 'every account released');
    } finally {
      hold.release();
    }
  });

  it('refuses bad input with exit 2 before anything runs: no --branch, an unknown profile, a bad --jobs', async () => {
    const p = project();
    made.push(p);
    for (const [args, message] of [
      [['run'], /uber run needs --branch NAME/],
      [['run', '--branch', 'main', '--profiles', 'ci-1,ci-9'], /"ci-9"/],
      [['run', '--branch', 'main', '--jobs', '0'], /--jobs/],
    ] as const) {
      const r = await runUber(args, { cwd: p.dir, env: p.env });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    assert.equal(p.journal().length, 0, 'no deploy started');
    assert.deepEqual(readAuditLines(p.dir), [], 'no lease taken');
    assert.deepEqual(await waitForNoTagged(p.tag, 6000), [], 'no process left');
  });

  for (const phase of ['deploy', 'test'] as const) {
    it(`Ctrl-C in the ${phase} phase: exit 130, no process, lease, workspace hold or temp dir (deploy HOMEs) left`, async () => {
      // deploy phase: no account can be ready when Ctrl-C comes (mocha may already wait for one); test phase: ci-1 soon is
      const p = project(phase === 'deploy' ? { SLS_FIXTURE_SLEEP_BY_PROFILE: 'ci-1=6000,ci-2=6000,ci-3=8000' } : {});
      made.push(p);
      const log = path.join(p.root, 'profiles.log'); // writeSuite's: each test appends its account when it starts
      const run = startUber(['run', '--branch', 'main'], { cwd: p.dir, env: p.env, timeoutMs: 120_000 });
      // deploy phase: once a deploy into ci-3 runs, before any test; test phase: once a test holds an account (ci-3 still deploying)
      const moment = phase === 'deploy' ? (): boolean => /deploy ci-3 .*attempt 1 started/.test(run.stderr()) : (): boolean => existsSync(log) && readFileSync(log, 'utf8').trim() !== '';
      for (const until = Date.now() + 60_000; !moment() && Date.now() < until; ) await sleep(20);
      assert.ok(moment(), `the moment came: ${run.stderr()}`);
      const ends = deployEnds(p);
      assert.ok(!ends.has('ci-3'), 'ci-3 was still deploying');
      if (phase === 'deploy') assert.ok(!existsSync(log), 'no test had started');
      process.kill(run.pid, 'SIGINT');
      const res = await run.done;
      const left = await waitForNoTagged(p.tag, 6000);
      killTagged(p.tag);
      assert.equal(res.code, 130, res.stderr);
      assert.deepEqual(left, [], 'no child left (deploys, mocha and its workers)');
      assert.deepEqual(p.leases(), [], 'no lease or deploy hold left');
      assert.deepEqual(p.tempLeft(), [], 'no temp dir left (each deploy HOME lives in one)');
      const holds = path.join(p.dir, '.uber', 'workspace', 'holds');
      assert.deepEqual(existsSync(holds) ? readdirSync(holds) : [], [], 'no workspace hold left');
      const audit = readAuditLines(p.dir);
      assert.deepEqual(overlappingLeases(audit), []);
      if (phase === 'test') assert.ok(testLeases(audit).length > 0, 'a test had leased an account');
    });
  }
});
