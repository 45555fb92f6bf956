// Only what changed: one test per row of the matrix, real git repos and real dynalite accounts, the fixture sls.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ScanCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { profileClient, profileClientConfig } from '../../src/aws/client.js';
import { deployCommand } from '../../src/cli/deploy.js';
import type { Ctx } from '../../src/context.js';
import type { DeployFlags, DeployResult } from '../../src/deploy/deploy.js';
import { InterruptedError } from '../../src/errors.js';
import { deployChart } from '../../src/report/waterfall-deploys.js';
import { readState } from '../../src/state/state.js';
import { commitFile, git, gitProject, secondCheckout, startSandbox, useAccounts, type Accounts } from './accounts.js';
import { makeCtx, type Project } from './workspace.js';

/** The deploy as a user runs it: the CLI's command, which prints the plan, the notes and the end (the core prints nothing). */
async function deploy(ctx: Ctx, f: DeployFlags): Promise<DeployResult> {
  return (await deployCommand(ctx, f)).result;
}
const flags = (f: Partial<DeployFlags> = {}): DeployFlags => ({ branch: 'feat/x', sync: false, failFast: false, keepTemp: false, json: false, ...f });

/** "service@profile" of every deploy that started since the journal was last cleared. */
function started(p: Project): string[] {
  return p.journalLines().filter((l) => l.event === 'start').map((l) => l.key).sort();
}
function clearJournal(p: Project): void {
  writeFileSync(p.journal, '');
}
interface Cfg {
  deploy: Record<string, unknown>;
  repos: Array<Record<string, unknown>>;
}
function setConfig(p: Project, edit: (c: Cfg) => void): void {
  const file = path.join(p.root, 'uber.config.json');
  const c = JSON.parse(readFileSync(file, 'utf8')) as Cfg;
  edit(c);
  writeFileSync(file, JSON.stringify(c, null, 2));
}

describe('deploy: only what changed (real git, dynalite accounts)', function () {
  this.timeout(120_000);
  let sb: Accounts;
  let p: Project | undefined;
  const extra: Project[] = [];
  before(async () => {
    sb = await startSandbox(3);
  });
  after(async () => sb.stop());
  afterEach(() => {
    p?.cleanup();
    for (const q of extra.splice(0)) q.cleanup();
  });
  // every test has its own accounts' worth of records: a fresh table name per test
  let n = 0;
  const fresh = (o: Parameters<typeof gitProject>[1] = {}, count = 2): Project => {
    const q = gitProject(sb.running.slice(0, count).map((r) => r.account), { services: ['a', 'b'], ...o });
    n += 1;
    setConfig(q, (c) => (c.deploy.recordTable = `uber-deploys-${process.pid}-${n}`));
    return q;
  };
  const table = (q: Project): string => (JSON.parse(readFileSync(path.join(q.root, 'uber.config.json'), 'utf8')) as { deploy: { recordTable: string } }).deploy.recordTable;
  const recs = async (q: Project, profile: string): Promise<Map<string, Record<string, string>>> => {
    const c = profileClient(DynamoDBClient, profileClientConfig(profile, q.env));
    try {
      const out = await c.send(new ScanCommand({ TableName: table(q), ConsistentRead: true }));
      return new Map((out.Items ?? []).map((i) => [i.pair!.S!, Object.fromEntries(Object.entries(i).map(([k, v]) => [k, v.S ?? v.N ?? '']))]));
    } finally {
      c.destroy();
    }
  };

  it('first deploy: everything deploys and each account records fingerprint, commit, branch, time and machine; the next run skips all', async () => {
    p = fresh();
    const ctx = makeCtx(p);
    const res = await deploy(ctx, flags());
    assert.equal(res.ok, true, ctx.err());
    assert.equal(started(p).length, 8);
    assert.deepEqual([...new Set(res.plan.pairs.map((x) => x.why))], ['first deploy into this account']);
    const r = await recs(p, 'sandbox-1');
    assert.equal(r.size, 4);
    const one = r.get('orders/services/a#ci')!;
    assert.equal(one.status, 'deployed');
    assert.match(one.fingerprint!, /^[0-9a-f]{64}$/);
    assert.equal(one.commit, git(path.join(p.repos, 'orders'), 'rev-parse', 'HEAD'));
    assert.equal(one.branch, 'feat/x');
    assert.match(one.by!, /.+@.+/);
    assert.ok(Date.parse(one.at!) > 0);

    clearJournal(p);
    const again = makeCtx(p);
    const res2 = await deploy(again, flags({ json: true }));
    assert.equal(res2.ok, true);
    assert.deepEqual(started(p), []);
    assert.ok(res2.outcomes.every((o) => o.status === 'unchanged'));
    const state = readState(path.join(p.root, '.uber', 'state.json'))!;
    assert.ok(state.deploys.every((d) => d.status === 'unchanged'));
    assert.deepEqual(Object.values(state.profiles).map((x) => x.healthy), [true, true], 'all unchanged is healthy for uber test');
    assert.match(again.out(), /"status": "unchanged"/);
    assert.match(again.err(), /0 deploys: .*; 8 unchanged/);
    const chart = deployChart(state);
    assert.match(chart.title, /0 deploys, 0 failed, 8 unchanged/);
    assert.ok(chart.notes.some((l) => l.startsWith('8 unchanged')));
  });

  it('one service changed: only it deploys, into each account; --dry-run names the input; --force deploys all', async () => {
    p = fresh();
    await deploy(makeCtx(p), flags());
    commitFile(p, 'orders', 'services/a/handler.js', 'export const h = 2;\n');
    clearJournal(p);
    const dry = makeCtx(p);
    await deploy(dry, flags({ dryRun: true, json: true }));
    assert.deepEqual(started(p), [], 'a dry run deploys nothing');
    assert.match(dry.err(), /deploy +sandbox-1 +orders\/services\/a +changed: service folder/);
    assert.match(dry.err(), /dry run: 2 would deploy, 6 unchanged/);
    assert.equal((JSON.parse(dry.out()) as { pairs: unknown[] }).pairs.length, 8);
    const res = await deploy(makeCtx(p), flags());
    assert.deepEqual(started(p), ['orders-a@sandbox-1', 'orders-a@sandbox-2']);
    assert.equal(res.outcomes.filter((o) => o.status === 'unchanged').length, 6);
    clearJournal(p);
    await deploy(makeCtx(p), flags({ force: true }));
    assert.equal(started(p).length, 8);
  });

  it('a shared file changed: every service of that repo deploys, the other repo stays unchanged', async () => {
    p = fresh();
    await deploy(makeCtx(p), flags());
    commitFile(p, 'orders', 'shared.yml', 'region: us-east-1\n');
    clearJournal(p);
    const res = await deploy(makeCtx(p), flags());
    assert.deepEqual(started(p), ['orders-a@sandbox-1', 'orders-a@sandbox-2', 'orders-b@sandbox-1', 'orders-b@sandbox-2']);
    assert.ok(res.plan.pairs.filter((x) => x.action === 'deploy').every((x) => x.why === 'changed: shared files'));
  });

  it('an added input changed: a path in another repo redeploys the services that list it', async () => {
    p = fresh();
    commitFile(p, 'users', 'lib/auth.js', 'v1\n');
    setConfig(p, (c) => (c.repos[0]!.serviceInputs = { 'services/b': ['../users/lib'] }));
    await deploy(makeCtx(p), flags());
    commitFile(p, 'users', 'lib/auth.js', 'v2\n');
    clearJournal(p);
    const res = await deploy(makeCtx(p), flags());
    const deployed = res.plan.pairs.filter((x) => x.action === 'deploy');
    assert.ok(deployed.some((x) => x.pair.repo === 'orders' && x.pair.service === 'services/b' && /input users:lib/.test(x.why)), JSON.stringify(deployed.map((x) => x.why)));
    assert.ok(!deployed.some((x) => x.pair.repo === 'orders' && x.pair.service === 'services/a'), 'orders/a does not list the input');
    // users' own services see lib/ as their shared files
    assert.deepEqual(started(p), ['orders-b@sandbox-1', 'orders-b@sandbox-2', 'users-a@sandbox-1', 'users-a@sandbox-2', 'users-b@sandbox-1', 'users-b@sandbox-2']);
  });

  it('the deploy command or the stage changed: every pair deploys again', async () => {
    p = fresh({ repos: ['orders'] });
    await deploy(makeCtx(p), flags());
    setConfig(p, (c) => (c.deploy.command = 'sls deploy --stage {stage} --aws-profile {profile} --verbose'));
    clearJournal(p);
    const res = await deploy(makeCtx(p), flags());
    assert.equal(started(p).length, 4);
    assert.ok(res.plan.pairs.every((x) => x.why === 'changed: deploy command or stage'));
    setConfig(p, (c) => (c.deploy.stage = 'qa'));
    clearJournal(p);
    const res2 = await deploy(makeCtx(p), flags());
    assert.equal(started(p).length, 4, 'another stage is another stack: first deploy there');
    assert.ok(res2.plan.pairs.every((x) => x.action === 'deploy'));
  });

  it('a profile added: only its pairs deploy', async () => {
    p = fresh({ repos: ['orders'] });
    await deploy(makeCtx(p), flags({ profiles: 'sandbox-1' }));
    clearJournal(p);
    await deploy(makeCtx(p), flags({ profiles: 'sandbox-1,sandbox-2' }));
    assert.deepEqual(started(p), ['orders-a@sandbox-2', 'orders-b@sandbox-2']);
  });

  it('a failed pair leaves no current record: only it deploys next time', async () => {
    p = fresh({ repos: ['orders'], env: { SLS_FIXTURE_PERMANENT: '1', SLS_FIXTURE_MATCH: '^orders-b@sandbox-2$' } });
    const first = await deploy(makeCtx(p), flags());
    assert.equal(first.ok, false);
    assert.equal((await recs(p, 'sandbox-2')).get('orders/services/b#ci')!.status, 'failed');
    p.env.SLS_FIXTURE_PERMANENT = '0';
    clearJournal(p);
    const res = await deploy(makeCtx(p), flags());
    assert.equal(res.ok, true);
    assert.deepEqual(started(p), ['orders-b@sandbox-2']);
    assert.match(res.plan.pairs.find((x) => x.action === 'deploy')!.why, /last deploy here is failed/);
  });

  it('an interrupted run: what it did not finish is not current and deploys next time', async () => {
    p = fresh({ repos: ['orders'], env: { SLS_FIXTURE_MATCH: '^orders-b@', SLS_FIXTURE_MATCH_SLEEP_MS: '60000' } });
    const ctx = makeCtx(p);
    const watch = setInterval(() => {
      const ends = p!.journalLines().filter((l) => l.event === 'end').length;
      if (ends >= 2) ctx.controller.abort(new InterruptedError());
    }, 50);
    await assert.rejects(deploy(ctx, flags()), InterruptedError);
    clearInterval(watch);
    // a deploy whose exit raced the interrupt counts as cancelled: what deploys next is exactly what was not ok
    const state = readState(path.join(p.root, '.uber', 'state.json'))!;
    const notOk = state.deploys.filter((d) => d.status !== 'ok').map((d) => `orders-${d.service.slice(-1)}@${d.profile}`).sort();
    assert.ok(notOk.includes('orders-b@sandbox-1') && notOk.includes('orders-b@sandbox-2'), notOk.join());
    for (const profile of ['sandbox-1', 'sandbox-2']) {
      const r = await recs(p, profile);
      for (const d of state.deploys.filter((x) => x.profile === profile)) {
        assert.equal(r.get(`orders/${d.service}#ci`)!.status === 'deployed', d.status === 'ok', `${d.service}@${profile}`);
      }
    }
    delete p.env.SLS_FIXTURE_MATCH_SLEEP_MS;
    clearJournal(p);
    await deploy(makeCtx(p), flags());
    assert.deepEqual(started(p), notOk);
  });

  it('a run killed mid-deploy leaves its pairs in progress, never current', async () => {
    p = fresh({ repos: ['orders'] }, 1);
    const plan = (await deploy(makeCtx(p), flags({ dryRun: true }))).plan;
    const { RecordKeeper, readAccounts } = await import('../../src/deploy/changed.js');
    using accounts = readAccounts(['sandbox-1'], table(p), p.env);
    const keeper = new RecordKeeper(accounts, { id: 'killed-run', branch: 'feat/x', stage: 'ci', by: 't@h' });
    await keeper.markAll(plan.pairs); // ... and the process dies here: no outcome is ever written
    clearJournal(p);
    await deploy(makeCtx(p), flags());
    assert.equal(started(p).length, 2);
  });

  it('the records are read beside the sync: a deploy that ends before the AWS SDK has loaded makes no client, and its reads say so', async () => {
    p = fresh({ repos: ['orders'] }, 1);
    const { readAccounts } = await import('../../src/deploy/changed.js');
    const read = readAccounts(['sandbox-1'], table(p), p.env);
    const early = readAccounts(['sandbox-1'], table(p), p.env);
    early[Symbol.dispose](); // before the records module (and the SDK) has loaded
    try {
      assert.equal(await early.tables.get('sandbox-1'), undefined, 'no table, so no client to close');
      assert.deepEqual(await early.reads.get('sandbox-1'), { ok: false, why: 'the deploy ended first' });
      const r = await read.reads.get('sandbox-1');
      assert.ok(r?.ok, `a read that is let finish reads the account: ${JSON.stringify(r)}`);
      assert.ok(await read.tables.get('sandbox-1'), 'its table is made');
    } finally {
      read[Symbol.dispose]();
    }
  });

  it('two runs at once into one account: the older run cannot leave its fingerprint over the newer one', async () => {
    p = fresh({ repos: ['orders'], services: ['a'], env: { SLS_FIXTURE_SLEEP_MS: '1500' } }, 1);
    const q = secondCheckout(p);
    extra.push(q);
    commitFile(q, 'orders', 'services/a/handler.js', 'newer\n');
    q.env.SLS_FIXTURE_SLEEP_MS = '4000';
    const older = deploy(makeCtx(p), flags());
    while (!p.journalLines().some((l) => l.event === 'start')) await new Promise((r) => setTimeout(r, 50));
    const newer = deploy(makeCtx(q), flags()); // marks after the older run: it owns the record
    const [a, b] = await Promise.all([older, newer]);
    assert.equal(a.ok && b.ok, true);
    const rec = (await recs(p, 'sandbox-1')).get('orders/services/a#ci')!;
    const fpNewer = b.plan.pairs[0]!.fingerprint;
    assert.ok(fpNewer.ok);
    assert.equal(rec.status, 'deployed');
    assert.equal(rec.fingerprint, fpNewer.value, 'the record is the newer run’s');
    clearJournal(p);
    await deploy(makeCtx(q), flags());
    assert.deepEqual(started(q), [], 'the newer checkout sees its code running');
    await deploy(makeCtx(p), flags());
    assert.deepEqual(started(p), ['orders-a@sandbox-1'], 'the older checkout deploys again');
  });

  it('nothing local needed: a second checkout with no .uber/ skips the same pairs', async () => {
    p = fresh();
    await deploy(makeCtx(p), flags());
    const q = secondCheckout(p);
    extra.push(q);
    clearJournal(q);
    const res = await deploy(makeCtx(q), flags());
    assert.deepEqual(started(q), []);
    assert.ok(res.outcomes.every((o) => o.status === 'unchanged'));
  });

  it('uncommitted changes: no fingerprint, so the service deploys every time until committed', async () => {
    p = fresh({ repos: ['orders'] }, 1);
    await deploy(makeCtx(p), flags());
    writeFileSync(path.join(p.repos, 'orders', 'services', 'a', 'handler.js'), 'dirty\n');
    clearJournal(p);
    const res = await deploy(makeCtx(p), flags());
    assert.deepEqual(started(p), ['orders-a@sandbox-1']);
    assert.match(res.plan.pairs.find((x) => x.action === 'deploy')!.why, /no fingerprint: uncommitted change in orders\/services\/a\/handler.js/);
    git(path.join(p.repos, 'orders'), 'add', '-A');
    git(path.join(p.repos, 'orders'), 'commit', '-qm', 'commit it');
    clearJournal(p);
    await deploy(makeCtx(p), flags());
    assert.deepEqual(started(p), ['orders-a@sandbox-1'], 'the dirty deploy never counts as current');
  });

  it('an account whose table cannot be written, or read: its services deploy, uber says why once', async () => {
    p = fresh({ repos: ['orders'] });
    const denied = await sb.denyWrites('sandbox-2');
    const closed = { ...sb.running[2]!.account, endpoint: 'http://127.0.0.1:9' };
    useAccounts(p, [sb.running[0]!.account, denied, closed]);
    const ctx = makeCtx(p);
    const res = await deploy(ctx, flags({ profiles: 'sandbox-1,sandbox-2,sandbox-3' }));
    assert.equal(res.ok, true, ctx.err());
    const err = ctx.err();
    assert.equal(err.match(/records of sandbox-2 cannot be written \(.*AccessDenied/g)?.length, 1, err);
    assert.equal(err.match(/records of sandbox-3 cannot be read/g)?.length, 1, err);
    clearJournal(p);
    await deploy(makeCtx(p), flags({ profiles: 'sandbox-1,sandbox-2,sandbox-3' }));
    assert.deepEqual(started(p), ['orders-a@sandbox-2', 'orders-a@sandbox-3', 'orders-b@sandbox-2', 'orders-b@sandbox-3']);
  });
});
