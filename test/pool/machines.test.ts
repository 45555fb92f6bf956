// Machines on one shared pool, each a project folder of its own: `uber test` on both never overlaps; a machine SIGKILLed
// mid-test gives its accounts back after the lease (the other's summary says reclaimed); one SIGSTOPped past its lease is fenced.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dynamoClient } from '../../src/dynamo/table.js';
import { LeaseTable } from '../../src/dynamo/lease.js';
import { describeOverlap, findOverlaps, readAudit } from '../../src/lease/audit.js';
import { SharedPool } from '../../src/pool/pool.js';
import { Waiters } from '../../src/pool/waiters.js';
import { now } from '../../src/lease/clock.js';
import { runCli } from '../support/run-cli.js';
import { profileFiles, startDynalite, tmp } from '../mocha/support.js';
import { machineBin } from './chaos/harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const POOL = 'dynamodb:pool/uber-pool';

describe('shared pool: machines', function () {
  this.timeout(300_000);
  let db: { server: Server; url: string };
  let aws: string;
  let env: NodeJS.ProcessEnv;
  let table = 0;
  before(async () => {
    db = await startDynalite();
    aws = tmp('uber-pool-machines-');
    env = { PATH: process.env.PATH, ...profileFiles(aws, { pool: db.url, p1: undefined, p2: undefined }), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  });
  after(() => db.server.close());

  /** A project folder standing for one machine: two profiles on the shared pool, `files` spec files of `tests` tests each. */
  function machine(name: string, pool: string, spec: string, files = 3, leaseS = 4): string {
    const dir = path.join(aws, name);
    mkdirSync(path.join(dir, 'test'), { recursive: true });
    writeFileSync(path.join(dir, 'uber.config.yaml'), `profiles: [p1, p2]\ntest:\n  spec: ["test/*.spec.mjs"]\n  pool: ${pool}\n  poolLease: ${leaseS}\n`);
    for (let f = 1; f <= files; f += 1) writeFileSync(path.join(dir, 'test', `f${f}.spec.mjs`), spec.replaceAll('%NAME%', `${name}-f${f}`));
    return dir;
  }
  const quick = `describe('%NAME%', () => { for (let i = 0; i < 6; i += 1) it('t' + i, () => new Promise((r) => setTimeout(r, 5 + Math.random() * 20))); });\n`;
  const nextPool = (): string => `${POOL}-${(table += 1)}`;

  it('two machines on one pool: every test leases, and the two audits together show 0 overlaps', async () => {
    const pool = nextPool();
    const [a, b] = [machine('m1', pool, quick), machine('m2', pool, quick)];
    const [ra, rb] = await Promise.all([runCli(['test', '--jobs', '2', '--reporter', 'dot'], a, env), runCli(['test', '--jobs', '2', '--reporter', 'dot'], b, env)]);
    assert.equal(ra.code, 0, ra.err);
    assert.equal(rb.code, 0, rb.err);
    const audits = [a, b].map((d) => readAudit(path.join(d, '.uber', 'leases', 'audit.jsonl')));
    assert.deepEqual(audits.map((x) => x.length), [18, 18]);
    assert.ok(audits.every((x) => x.every((r) => r.pool === pool.split('/')[1] && typeof r.token === 'number' && r.who?.includes(' pid '))));
    // both machines used both accounts, so an overlap had every chance to show
    for (const p of ['p1', 'p2']) assert.ok(audits.every((x) => x.some((r) => r.profile === p)), `both machines leased ${p}`);
    assert.deepEqual(findOverlaps(audits.flat()).map(describeOverlap), []);
    const tokens = audits.flat().filter((r) => r.profile === 'p1').map((r) => r.token).sort((x, y) => x! - y!);
    assert.equal(new Set(tokens).size, tokens.length, 'every acquisition got a token of its own');
  });

  it('a machine SIGKILLed while its tests hold both accounts: the other finishes once the leases run out, and says they were taken back', async () => {
    const pool = nextPool();
    const held = path.join(aws, 'held');
    // m1's tests hold their accounts until killed
    const hang = `import { appendFileSync } from 'node:fs';\ndescribe('%NAME%', () => { it('holds', function () { this.timeout(0); appendFileSync(${JSON.stringify(held)}, process.env.AWS_PROFILE + ' ' + process.pid + '\\n'); return new Promise(() => undefined); }); });\n`;
    const a = machine('k1', pool, hang, 2);
    // k2's first test in each file waits for the other's: both of its workers hold an account at once, so it needs both back
    const barrier = path.join(aws, 'barrier');
    writeFileSync(barrier, '');
    const both = `import { appendFileSync, readFileSync } from 'node:fs';\ndescribe('%NAME%', () => { it('meets', async () => { appendFileSync(${JSON.stringify(barrier)}, 'x\\n'); while (readFileSync(${JSON.stringify(barrier)}, 'utf8').length < 4) await new Promise((r) => setTimeout(r, 20)); }); for (let i = 0; i < 4; i += 1) it('t' + i, () => new Promise((r) => setTimeout(r, 10))); });\n`;
    const b = machine('k2', pool, both, 2);
    writeFileSync(held, '');
    // tsx by its own address: the child runs in the machine's folder, where a bare 'tsx' does not resolve
    const child = spawn(process.execPath, ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href, path.join(ROOT, 'test', 'pool', 'uber-src.ts'), 'test', '--jobs', '2'], { cwd: a, env, stdio: 'ignore', detached: true });
    for (let i = 0; readFileSync(held, 'utf8').split('\n').filter(Boolean).length < 2; i += 1) {
      assert.ok(i < 2400, 'k1 never held both accounts');
      await new Promise((r) => setTimeout(r, 50));
    }
    // k2 starts while k1 holds both accounts: once both its workers wait in line, k1 dies
    const running = runCli(['test', '--jobs', '2', '--reporter', 'dot'], b, env);
    const waiters = new Waiters(dynamoClient('pool', env), pool.split('/')[1]!);
    for (let i = 0; (await waiters.list()).length < 2; i += 1) {
      assert.ok(i < 1200, `k2's workers never both waited in line; held: ${readFileSync(held, 'utf8')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // the workers that hold the leases, then uber: nothing is left to release them
    for (const line of readFileSync(held, 'utf8').split('\n').filter(Boolean)) process.kill(Number(line.split(' ')[1]), 'SIGKILL');
    process.kill(-child.pid!, 'SIGKILL');
    const killedAt = now();
    const rb = await running;
    assert.equal(rb.code, 0, rb.err);
    assert.match(rb.err, /2 accounts taken back from a dead holder: (p1|p2) \(from .* pid \d+\), (p1|p2) \(from .* pid \d+\)\./);
    const audit = readAudit(path.join(b, '.uber', 'leases', 'audit.jsonl'));
    const reclaimed = audit.filter((r) => r.ended === 'reclaimed');
    assert.deepEqual(reclaimed.map((r) => r.profile).sort(), ['p1', 'p2']);
    // each account came back only after the dead holder's lease ran out
    for (const r of reclaimed) {
      const next = audit.filter((x) => x.profile === r.profile && x.ended !== 'reclaimed').sort((x, y) => x.start - y.start)[0]!;
      assert.ok(next.start >= r.end, `${r.profile}: taken at ${next.start}, after the dead lease expired at ${r.end}`);
      assert.ok(next.reclaimedFrom);
      console.log(`      ${r.profile}: leased again ${(next.start - killedAt).toFixed(0)} ms after its holder was SIGKILLed (a lease runs 4000 ms from the last heartbeat, then a 400 ms skew margin)`);
    }
    assert.deepEqual(findOverlaps(audit).map(describeOverlap), []);
  });

  it("a worker that dies holding an account: uber frees it in the pool when mocha ends (logged as ended by death), no one waits out its lease", async () => {
    const pool = nextPool();
    const marker = path.join(aws, 'crashed-once');
    // the first time, the test kills its own worker while it holds its account (a lease of 600 s)
    const crash = `import { existsSync, writeFileSync } from 'node:fs';\ndescribe('%NAME%', () => { it('crashes once', () => { if (!existsSync(${JSON.stringify(marker)})) { writeFileSync(${JSON.stringify(marker)}, process.env.AWS_PROFILE); process.kill(process.pid, 'SIGKILL'); } }); });\n`;
    const dir = machine('crash', pool, crash, 1, 600);
    const r = await runCli(['test', '--jobs', '2', '--reporter', 'dot'], dir, env);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /crashed|no result/);
    const crashed = readFileSync(marker, 'utf8');
    const audit = readAudit(path.join(dir, '.uber', 'leases', 'audit.jsonl')).filter((x) => x.profile === crashed);
    const dead = audit.filter((x) => x.ended === 'dead');
    assert.equal(dead.length, 1, JSON.stringify(audit));
    assert.equal(dead[0]!.token, 1);
    assert.ok(dead[0]!.end - dead[0]!.start < 600_000, 'freed when mocha ended, long before its lease would have run out');
    const item = await new LeaseTable({ client: dynamoClient('pool', env), table: pool.split('/')[1]! }).read(crashed);
    assert.equal(item?.state, 'free');
    assert.deepEqual(findOverlaps(audit).map(describeOverlap), []);
  });

  it('SIGSTOP past the lease: the holder is fenced, its late heartbeat and release are refused, and it logs the lease as lost', async () => {
    const pool = nextPool();
    const tableName = pool.split('/')[1]!;
    const dir = path.join(aws, 'stopped');
    mkdirSync(dir, { recursive: true });
    const child = spawn(process.execPath, [await machineBin(), dir, tableName, '["a"]', '1000', '1', 'uber', '1'], { env: { ...env, HOLD: 'stdin' }, stdio: ['pipe', 'pipe', 'inherit'], detached: true });
    const lines = createInterface({ input: child.stdout });
    const next = (): Promise<string> => new Promise((r) => lines.once('line', r));
    const took = await next();
    assert.match(took, /^H a /);
    child.kill('SIGSTOP');
    const other = new SharedPool({ client: dynamoClient('pool', env), table: tableName, profiles: ['a'], leaseMs: 1000, who: 'the other machine', audit: path.join(aws, 'other-audit.jsonl') });
    const lease = await other.acquire({ test: 'after' });
    assert.equal(lease.token, 2);
    child.kill('SIGCONT');
    child.stdin.write('r\n');
    assert.equal(await next(), 'L active=false heartbeat=fenced release=lost-before');
    await new Promise((r) => child.on('exit', r));
    const item = await new LeaseTable({ client: dynamoClient('pool', env), table: tableName }).read('a');
    assert.equal(item?.leaseId, lease.leaseId, 'the late writes left the new holder in place');
    assert.equal(item?.state, 'held');
    assert.equal(lease.active, true);
    await lease.release();
    const stopped = readAudit(path.join(dir, 'audit.jsonl'));
    const mine = readAudit(path.join(aws, 'other-audit.jsonl'));
    assert.deepEqual(stopped.map((r) => r.ended), ['lost']);
    assert.deepEqual(mine.map((r) => r.ended).sort(), ['reclaimed', 'released']);
    assert.deepEqual(findOverlaps([...stopped, ...mine]).map(describeOverlap), []);
  });
});
