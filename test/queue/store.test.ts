// The shared queue's store on dynalite: one enqueue per run, each unit claimed once, fencing, give-up, unknown outcomes.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dynamoClient, ensureTable } from '../../src/dynamo/table.js';
import { MAX_ATTEMPTS } from '../../src/queue/items.js';
import { WorkQueue } from '../../src/queue/store.js';
import { Liveness, planSweep } from '../../src/queue/sweep.js';
import type { RunItem } from '../../src/testrun/units.js';
import { profileFiles, startDynalite, tmp } from '../mocha/support.js';

const TABLE = 'uber-pool';
const items: RunItem[] = [
  { file: 'slow.spec.js', unit: { index: 0, count: 2 }, estimateMs: 900, weights: { 'a b': 400 } },
  { file: 'slow.spec.js', unit: { index: 1, count: 2 }, estimateMs: 900, weights: { 'a b': 400 } },
  { file: 'mid.spec.js', estimateMs: 500 },
  { file: 'quick.spec.js', estimateMs: 10 },
];

/** A proxy that forwards every call but answers the first UpdateItem whose body matches with a 500: a write whose outcome is unknown. */
async function losingProxy(target: string, match: RegExp): Promise<{ url: string; lost: () => number; close: () => void }> {
  let lost = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const u = new URL(target);
      const fwd = http.request({ host: u.hostname, port: u.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
        const out: Buffer[] = [];
        r.on('data', (c: Buffer) => out.push(c));
        r.on('end', () => {
          if (lost === 0 && String(req.headers['x-amz-target']).endsWith('.UpdateItem') && match.test(body.toString()) && r.statusCode === 200) {
            lost += 1; // it landed; the caller is told it failed
            res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
            res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'injected' }));
            return;
          }
          res.writeHead(r.statusCode ?? 500, r.headers);
          res.end(Buffer.concat(out));
        });
      });
      fwd.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, lost: () => lost, close: () => (server.closeAllConnections(), server.close()) };
}

describe('queue store', () => {
  let db: { server: Server; url: string };
  let env: NodeJS.ProcessEnv;
  let dir: string;
  before(async () => {
    db = await startDynalite();
    dir = tmp('uber-queue-store-');
    env = profileFiles(dir, { pool: db.url });
    await ensureTable(dynamoClient('pool', env), TABLE);
  });
  after(() => db.server.close());

  const queue = (runId: string, owner: string, e = env): WorkQueue => new WorkQueue({ client: dynamoClient('pool', e), table: TABLE, runId, owner });

  it('is enqueued once: the first machine creates it, the second joins the same units', async () => {
    const [a, b] = [queue('r1', 'A'), queue('r1', 'B')];
    const [ja, jb] = await Promise.all([a.join(items, { fillAfterMs: 5000 }), b.join(items, { fillAfterMs: 5000 })]);
    assert.equal([ja.created, jb.created].filter(Boolean).length, 1);
    assert.equal(jb.head.count, 4);
    assert.equal(ja.head.fingerprint, jb.head.fingerprint);
    const snap = await a.snapshot();
    assert.deepEqual(
      snap.units.map((u) => [u.n, u.item.file, u.item.unit?.index ?? null, u.state]),
      [[0, 'slow.spec.js', 0, 'free'], [1, 'slow.spec.js', 1, 'free'], [2, 'mid.spec.js', null, 'free'], [3, 'quick.spec.js', null, 'free']],
    );
    assert.deepEqual(snap.units[0]?.item.weights, { 'a b': 400 });
    assert.deepEqual([...snap.beats.keys()].sort(), ['A', 'B']);
  });

  it('hands every unit to exactly one of the machines claiming at once, in queue order, then nothing', async () => {
    const machines = ['A', 'B', 'C'].map((o) => queue('r2', o));
    await Promise.all(machines.map((m) => m.join(items, { fillAfterMs: 5000 })));
    const got = await Promise.all(
      machines.flatMap((m) => Array.from({ length: 3 }, () => m.claimNext(items.length).then((c) => (c ? { n: c.n, owner: m.owner, token: c.token } : undefined)))),
    );
    const claimed = got.filter((c) => c !== undefined);
    assert.deepEqual(claimed.map((c) => c.n).sort(), [0, 1, 2, 3]);
    assert.ok(claimed.every((c) => c.token === 1));
    const snap = await machines[0]!.snapshot();
    for (const c of claimed) assert.equal(snap.units[c.n]?.owner, c.owner);
    assert.equal(await machines[1]!.claimNext(items.length), undefined);
  });

  it('fences a holder that was taken over: its late result is refused, the new holder\'s is kept', async () => {
    const [a, b] = [queue('r3', 'A'), queue('r3', 'B')];
    await a.join(items, { fillAfterMs: 5000 });
    await b.join(items, { fillAfterMs: 5000 });
    const first = await a.claimNext(items.length);
    assert.ok(first);
    const taken = await b.claim(first.n, { state: 'held', owner: 'A', token: first.token });
    assert.ok(taken);
    assert.equal(taken.token, first.token + 1);
    assert.equal(taken.attempts, 2);
    assert.equal(await b.claim(first.n, { state: 'held', owner: 'A', token: first.token }), undefined, 'a second take-over of the same token loses');
    assert.equal(await a.complete(first.n, first.token, 'passed'), false, 'the fenced holder cannot complete');
    assert.equal(await b.complete(taken.n, taken.token, 'failed'), true);
    const u = (await a.snapshot()).units[first.n]!;
    assert.deepEqual([u.state, u.result, u.owner, u.attempts], ['done', 'failed', 'B', 2]);
  });

  it('sweeps: a dead holder\'s unit is taken over while it has an attempt left, then given up; the live are waited for', async () => {
    const [a, b] = [queue('r4', 'A'), queue('r4', 'B')];
    await a.join(items.slice(2), { fillAfterMs: 5000 });
    await b.join(items.slice(2), { fillAfterMs: 5000 });
    const c0 = await a.claimNext(2);
    const c1 = await b.claimNext(2);
    assert.ok(c0 && c1);
    const live = new Liveness();
    let snap = await b.snapshot();
    live.observe(snap.beats, 0);
    await b.beat(); // B beats, A never does again
    snap = await b.snapshot();
    live.observe(snap.beats, 1000);
    let plan = planSweep(snap, 'B', new Set([c1.n]), (o) => live.dead(o, 1000, 1000));
    assert.deepEqual([plan.takeOver.map((u) => u.n), plan.waiting.map((u) => u.n), plan.drained], [[c0.n], [c1.n], false]);
    const again = await b.claim(c0.n, { state: 'held', owner: 'A', token: c0.token });
    assert.equal(again?.attempts, MAX_ATTEMPTS);
    // B dies too: C sees the unit on its last attempt and gives it up
    const c = queue('r4', 'C');
    const seen = new Liveness();
    seen.observe((await c.snapshot()).beats, 0);
    snap = await c.snapshot();
    plan = planSweep(snap, 'C', new Set(), (o) => seen.dead(o, 5000, 1000));
    assert.deepEqual(plan.giveUp.map((u) => u.n).sort(), [c0.n]);
    assert.deepEqual(plan.takeOver.map((u) => u.n), [c1.n]);
    assert.equal(await c.giveUp(c0.n, { owner: 'B', token: again.token }, 'crashed', 'its holder B stopped'), true);
    const u = (await c.snapshot()).units.find((x) => x.n === c0.n)!;
    assert.deepEqual([u.state, u.result, u.reason], ['failed', 'crashed', 'its holder B stopped']);
  });

  it('a claim whose answer was lost is re-read: the claimer holds it, nobody else does', async () => {
    const proxy = await losingProxy(db.url, /ADD #t :one, attempts :one/);
    try {
      const viaProxy = profileFiles(tmp('uber-queue-proxy-'), { pool: proxy.url });
      const a = queue('r5', 'A', viaProxy);
      await a.join(items, { fillAfterMs: 5000 });
      const c = await a.claimNext(items.length);
      assert.equal(proxy.lost(), 1, 'the injected failure happened');
      assert.ok(c, 'the claim that landed is known to be ours');
      assert.equal(c.token, 1);
      const snap = await queue('r5', 'B').snapshot();
      assert.deepEqual(snap.units.filter((u) => u.state === 'held').map((u) => [u.n, u.owner, u.token]), [[c.n, 'A', 1]]);
    } finally {
      proxy.close();
    }
  });

  it('gives a unit back when a machine stops early, for another to claim', async () => {
    const [a, b] = [queue('r6', 'A'), queue('r6', 'B')];
    await a.join(items.slice(3), { fillAfterMs: 5000 });
    const c = await a.claimNext(1);
    assert.ok(c);
    assert.equal(await a.release(c.n, c.token), true);
    const taken = await b.claim(c.n, { state: 'free' });
    assert.equal(taken?.token, 2);
  });
});
