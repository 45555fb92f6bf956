// `uber test --queue` through the built binary: machines (separate project folders) pulling one suite from one queue
// in a dynalite pool table; every test counted from a journal the spec files append to, never from reporters.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { dynamoClient } from '../src/dynamo/table.js';
import type { TestRun } from '../src/report/run.js';
import { WorkQueue } from '../src/queue/store.js';
import { startDynalite } from '../test/mocha/support.js';
import { killTagged, taggedProcesses, TAG_VAR } from './support/procs.js';
import { counts, queueMachines, type Machine, type QueueSetup, type SuiteFile } from './support/queue.js';
import { runUber, startUber, type UberRun } from './support/uber.js';

const POOL = 'dynamodb:pool/uber-pool';

function report(m: Machine): TestRun {
  return JSON.parse(readFileSync(path.join(m.dir, '.uber/reports/tests.json'), 'utf8')) as TestRun;
}

function signalAll(m: Machine, signal: NodeJS.Signals): number {
  const found = taggedProcesses(m.env[TAG_VAR]!);
  for (const p of found) {
    try {
      process.kill(p.pid, signal);
    } catch {
      // gone meanwhile
    }
  }
  return found.length;
}

async function until(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('uber test --queue (built binary, dynalite pool)', function () {
  this.timeout(300_000);
  let db: { server: Server; url: string };
  const setups: QueueSetup[] = [];
  before(async () => {
    db = await startDynalite();
  });
  after(() => {
    db.server.close();
    for (const s of setups) {
      for (const m of s.machines) killTagged(m.env[TAG_VAR]!);
      rmSync(s.root, { recursive: true, force: true });
    }
  });

  const setup = (o: Parameters<typeof queueMachines>[0]): QueueSetup => {
    const s = queueMachines(o);
    setups.push(s);
    return s;
  };
  const args = (runId: string, jobs = 2): string[] => ['test', '--pool', POOL, '--queue', '--run-id', runId, '--jobs', String(jobs), '--reporter', 'dot'];

  it('two machines on one queue: every test runs exactly once, each machine reports only what it ran', async () => {
    const suite: Record<string, SuiteFile> = { 'big.spec.mjs': { tests: 6, ms: 150 } };
    for (let i = 1; i <= 8; i++) suite[`s${i}.spec.mjs`] = { tests: 3, ms: 20 + 30 * i };
    // history says big.spec.mjs is a straggler: it goes into the queue as units
    const history = {
      'test/big.spec.mjs': { ms: 900, tests: Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`big.spec.mjs t${i + 1}`, 150])) },
      ...Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`test/s${i + 1}.spec.mjs`, { ms: 3 * (20 + 30 * (i + 1)), tests: {} }])),
    };
    const s = setup({ names: ['a', 'b'], suite, poolUrl: db.url, history });
    const [ra, rb] = (await Promise.all(s.machines.map((m) => runUber(args('two-machines'), { cwd: m.dir, env: m.env })))) as [UberRun, UberRun];
    assert.equal(ra.code, 0, ra.stderr);
    assert.equal(rb.code, 0, rb.stderr);
    const all = 6 + 8 * 3;
    const ends = counts(s.read(), 'end');
    assert.equal(ends.size, all);
    assert.deepEqual([...ends.values()].filter((n) => n !== 1), [], 'every test ended exactly once');
    assert.deepEqual([...counts(s.read(), 'start').values()].filter((n) => n !== 1), [], 'and started once');
    const [ta, tb] = s.machines.map(report);
    const reported = [...ta!.tests, ...tb!.tests].map((t) => t.fullTitle).sort();
    assert.deepEqual(reported, [...ends.keys()].sort(), 'the two reports together hold every test once');
    assert.ok(ta!.tests.length > 0 && tb!.tests.length > 0, `both machines pulled work (a ${ta!.tests.length}, b ${tb!.tests.length})`);
    const byMachine = new Map(s.read().filter((l) => l.event === 'end').map((l) => [l.title, l.machine]));
    for (const [m, run] of [['a', ta!], ['b', tb!]] as const) for (const t of run.tests) assert.equal(byMachine.get(t.fullTitle), m, `${t.fullTitle} is in the report of the machine that ran it`);
    assert.ok(ra.stderr.includes('enqueued') !== rb.stderr.includes('enqueued'), `one machine enqueued, the other joined:\n${ra.stderr}\n${rb.stderr}`);
    const units = [...ta!.files, ...tb!.files].filter((f) => f.file === 'test/big.spec.mjs');
    assert.ok(units.length >= 1, JSON.stringify([...ta!.files, ...tb!.files].map((f) => [f.file, f.unit, f.state])));
  });

  it('a machine SIGKILLed while holding units: the other takes them over after the lease and finishes (attempt 2 of 2)', async () => {
    const suite: Record<string, SuiteFile> = { 'long.spec.mjs': { tests: 1, ms: 4000 } };
    for (let i = 1; i <= 4; i++) suite[`s${i}.spec.mjs`] = { tests: 2, ms: 50 };
    const history = { 'test/long.spec.mjs': { ms: 4000, tests: {} }, ...Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`test/s${i + 1}.spec.mjs`, { ms: 100, tests: {} }])) };
    const s = setup({ names: ['a', 'b'], suite, poolUrl: db.url, history, env: { UBER_POOL_LEASE: '2' } });
    const [a, b] = s.machines as [Machine, Machine];
    const started = startUber(args('killed'), { cwd: a.dir, env: a.env });
    await until('machine a to start the long test', () => s.read().some((l) => l.machine === 'a' && l.event === 'start' && l.title.startsWith('long')));
    assert.ok(signalAll(a, 'SIGKILL') >= 3, 'uber, mocha and a worker were killed');
    await started.done;
    const rb = await runUber(args('killed'), { cwd: b.dir, env: b.env });
    assert.equal(rb.code, 0, rb.stderr);
    assert.match(rb.stderr, /took over test\/long\.spec\.mjs from \S+ \(no heartbeat for 2 s\): attempt 2 of 2/);
    const lines = s.read();
    const snap = await new WorkQueue({ client: dynamoClient('pool', b.env), table: 'uber-pool', runId: 'killed', owner: 'check' }).snapshot();
    const long = snap.units.find((u) => u.item.file === 'test/long.spec.mjs')!;
    assert.deepEqual([long.state, long.result, long.attempts], ['done', 'passed', 2]);
    assert.ok(snap.units.every((u) => u.state === 'done' && u.attempts <= 2), 'every unit done, none started more than twice');
    const takenOver = new Set(snap.units.filter((u) => u.attempts === 2).map((u) => path.basename(u.item.file)));
    const ends = counts(lines, 'end');
    assert.equal(ends.size, 1 + 4 * 2, 'every test ended');
    // a's finished tests whose unit it could not complete before it died ran again on b; no other test ran twice
    for (const [title, n] of ends) assert.ok(n === 1 || (n === 2 && takenOver.has(title.split(' ')[0]!)), `${title} ended ${n} times`);
    assert.equal(ends.get('long.spec.mjs t1'), 1, 'the long test, killed on a, ended once: on b');
    assert.equal(counts(lines, 'start').get('long.spec.mjs t1'), 2, 'it started on a, then again on b');
    const onB = new Set(report(b).tests.map((t) => t.fullTitle));
    for (const u of snap.units) for (const t of lines.filter((l) => l.title.startsWith(path.basename(u.item.file))))
      if (u.attempts === 2 || t.machine === 'b') assert.ok(onB.has(t.title), `b reports ${t.title}, which it ran`);
  });

  it('a holder stopped past its lease is fenced: its late result is dropped, the machine that took over reports it', async () => {
    const suite: Record<string, SuiteFile> = { 'slow.spec.mjs': { tests: 1, ms: 2500 } };
    for (let i = 1; i <= 3; i++) suite[`s${i}.spec.mjs`] = { tests: 2, ms: 50 };
    const history = { 'test/slow.spec.mjs': { ms: 2500, tests: {} }, ...Object.fromEntries(Array.from({ length: 3 }, (_, i) => [`test/s${i + 1}.spec.mjs`, { ms: 100, tests: {} }])) };
    const s = setup({ names: ['a', 'b'], suite, poolUrl: db.url, history, env: { UBER_POOL_LEASE: '1' } });
    const [a, b] = s.machines as [Machine, Machine];
    const started = startUber(args('fenced'), { cwd: a.dir, env: a.env });
    await until('machine a to start the slow test', () => s.read().some((l) => l.machine === 'a' && l.event === 'start' && l.title.startsWith('slow')));
    assert.ok(signalAll(a, 'SIGSTOP') >= 3);
    let ra;
    let rb;
    try {
      rb = await runUber(args('fenced'), { cwd: b.dir, env: b.env });
    } finally {
      signalAll(a, 'SIGCONT');
      ra = await started.done;
    }
    assert.equal(rb.code, 0, rb.stderr);
    assert.match(rb.stderr, /took over test\/slow\.spec\.mjs from \S+ \(no heartbeat for 1 s\)/);
    assert.equal(ra.code, 0, ra.stderr);
    assert.match(ra.stderr, /dropped this machine's late result of test\/slow\.spec\.mjs: another machine took it over/);
    const ends = counts(s.read(), 'end');
    assert.equal(ends.get('slow.spec.mjs t1'), 2, 'both ran it to the end (a after it was resumed)');
    assert.ok(!report(a).tests.some((t) => t.fullTitle === 'slow.spec.mjs t1'), "a's report leaves out its late result");
    assert.ok(report(b).tests.some((t) => t.fullTitle === 'slow.spec.mjs t1'));
    const reported = [...report(a).tests, ...report(b).tests].map((t) => t.fullTitle).sort();
    assert.deepEqual(reported, [...ends.keys()].sort(), 'each test reported once across the machines');
  });

  it("a unit whose worker crashed runs again on this machine under the next token; the queue counts 2 attempts", async () => {
    const s = setup({ names: ['a'], suite: { 'crash.spec.mjs': { tests: 2, ms: 10, crashOnce: true }, 'ok.spec.mjs': { tests: 2, ms: 10 } }, poolUrl: db.url });
    const m = s.machines[0]!;
    const r = await runUber(args('crashed'), { cwd: m.dir, env: m.env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /test\/crash\.spec\.mjs reported no result \(its worker crashed\); running it again on this machine \(attempt 2 of 2\)/);
    const ends = counts(s.read(), 'end');
    assert.deepEqual([...ends.entries()].sort(), [['crash.spec.mjs t1', 1], ['crash.spec.mjs t2', 1], ['ok.spec.mjs t1', 1], ['ok.spec.mjs t2', 1]]);
    const crash = report(m).files.find((f) => f.file === 'test/crash.spec.mjs');
    assert.deepEqual([crash?.state, crash?.attempts], ['passed', 2]);
    const snap = await new WorkQueue({ client: dynamoClient('pool', m.env), table: 'uber-pool', runId: 'crashed', owner: 'check' }).snapshot();
    assert.deepEqual(snap.units.map((u) => [u.item.file, u.state, u.result, u.attempts, u.token]).sort(), [['test/crash.spec.mjs', 'done', 'passed', 2, 2], ['test/ok.spec.mjs', 'done', 'passed', 1, 1]]);
  });

  it('an interrupted machine gives the units it holds back: another takes them at once, without waiting a lease', async () => {
    // long enough that the short test ends well before it, even when a loaded CI machine is slow to lease through the pool
    const suite: Record<string, SuiteFile> = { 'long.spec.mjs': { tests: 1, ms: 20_000 }, 'ok.spec.mjs': { tests: 1, ms: 10 } };
    const history = { 'test/long.spec.mjs': { ms: 20_000, tests: {} }, 'test/ok.spec.mjs': { ms: 10, tests: {} } };
    const s = setup({ names: ['a', 'b'], suite, poolUrl: db.url, history, env: { UBER_POOL_LEASE: '600' } });
    const [a, b] = s.machines as [Machine, Machine];
    // the table the earlier cases used: the account the crashed worker's lease held comes back at once (it died on this
    // machine), not after its lease
    const started = startUber(args('interrupted'), { cwd: a.dir, env: a.env });
    await until('machine a to start the long test', () => s.read().some((l) => l.machine === 'a' && l.event === 'start' && l.title.startsWith('long')));
    await until('machine a to finish the short test', () => s.read().some((l) => l.machine === 'a' && l.event === 'end' && l.title.startsWith('ok')));
    await new Promise((r) => setTimeout(r, 300)); // its end marker written
    assert.ok(!s.read().some((l) => l.event === 'end' && l.title.startsWith('long')), 'the long test is still running on a');
    started.child.kill('SIGINT');
    const ra = await started.done;
    assert.equal(ra.code, 130, ra.stderr);
    const rb = await runUber(args('interrupted'), { cwd: b.dir, env: b.env, timeoutMs: 120_000 });
    assert.equal(rb.code, 0, rb.stderr);
    assert.doesNotMatch(rb.stderr, /took over|waiting for/, 'nothing was left held by a');
    assert.ok(report(b).tests.some((t) => t.fullTitle === 'long.spec.mjs t1'));
    assert.deepEqual([...counts(s.read(), 'end').entries()].sort(), [['long.spec.mjs t1', 1], ['ok.spec.mjs t1', 1]], 'what a finished before it stopped is not run again');
  });

  it('a pool table that cannot be reached stops the run before it starts: one sentence, exit 2, and no test runs', async () => {
    const s = setup({ names: ['a'], suite: { 'x.spec.mjs': { tests: 1, ms: 1 } }, poolUrl: 'http://127.0.0.1:9' });
    const m = s.machines[0]!;
    const r = await runUber(args('unreachable'), { cwd: m.dir, env: m.env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^uber: The shared pool dynamodb:pool\/uber-pool cannot be reached as profile "pool" \(.*ECONNREFUSED.*\); check that profile's credentials, region and endpoint_url, or use --pool local\.$/m);
    assert.doesNotMatch(r.stderr + r.stdout, /Uncaught|internal error/);
    assert.deepEqual(s.read(), []);
  });

  it('--queue without a DynamoDB pool, or without a run id, is bad usage: exit 2, one sentence', async () => {
    const s = setup({ names: ['a'], suite: { 'x.spec.mjs': { tests: 1, ms: 1 } }, poolUrl: db.url });
    const m = s.machines[0]!;
    const noPool = await runUber(['test', '--queue', '--run-id', 'x'], { cwd: m.dir, env: m.env });
    assert.equal(noPool.code, 2);
    assert.match(noPool.stderr, /^uber: --queue needs a shared pool to keep its queue in: pass --pool dynamodb:<profile>\/<table> \(or set test\.pool or UBER_POOL\)\.\n$/);
    const noId = await runUber(['test', '--queue', '--pool', POOL], { cwd: m.dir, env: m.env });
    assert.equal(noId.code, 2);
    assert.match(noId.stderr, /^uber: --queue needs a run id that every machine of the run shares: pass --run-id ID/);
    assert.deepEqual(s.read(), [], 'nothing ran');
  });
});
