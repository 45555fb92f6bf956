// Planning `uber test`: profile sources, longest-first order from timings, shards, the user's .mocharc, mocha's argv.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { Ctx } from '../../src/context.js';
import { earlyWorkersUsable, mochaArgv } from '../../src/testrun/argv.js';
import { planTestRun, type TestOptions } from '../../src/testrun/plan.js';
import { writeTimings } from '../../src/timings/timings.js';

describe('testrun/plan', () => {
  let dir: string;
  let ctx: Ctx;
  const opts = (o: Partial<TestOptions> = {}): TestOptions => ({ specs: [], extra: [], ...o });

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'uber-plan-'));
    mkdirSync(path.join(dir, 'test'));
    for (const f of ['a', 'b', 'c', 'd']) writeFileSync(path.join(dir, 'test', `${f}.spec.mjs`), '');
    writeFileSync(path.join(dir, 'aws'), ['x', 'y', 'z', 'w'].map((p) => `[profile ${p}]\nregion = us-east-1\n`).join('\n'));
    writeFileSync(path.join(dir, 'uber.config.yaml'), 'profiles: [x, y, z]\ntest:\n  spec: ["test/*.spec.mjs"]\n');
    ctx = { cwd: dir, env: { HOME: dir, AWS_CONFIG_FILE: path.join(dir, 'aws'), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none') }, stdout: new PassThrough(), stderr: new PassThrough(), signal: new AbortController().signal, interactive: false, debug: false };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('uses config profiles, jobs = pool size, and queues files longest-first by timing history', async () => {
    writeTimings(path.join(dir, '.uber', 'timings.json'), { version: 1, updatedAt: '', files: { 'test/a.spec.mjs': { ms: 10, tests: {} }, 'test/c.spec.mjs': { ms: 900, tests: {} }, 'test/d.spec.mjs': { ms: 300, tests: {} } } });
    const plan = await planTestRun(opts(), ctx);
    assert.deepEqual(plan.profiles, ['x', 'y', 'z']);
    assert.equal(plan.jobs, 3);
    // b has no history: it counts as the median (300 ms) and ties with d, broken by path
    assert.deepEqual(plan.files, ['test/c.spec.mjs', 'test/b.spec.mjs', 'test/d.spec.mjs', 'test/a.spec.mjs']);
  });

  it('starts only the workers that pay for their start-up once the history knows every file; --jobs and new files keep them all', async () => {
    const timings = path.join(dir, '.uber', 'timings.json');
    const quick = { 'test/a.spec.mjs': { ms: 1, tests: {} }, 'test/b.spec.mjs': { ms: 1, tests: {} }, 'test/c.spec.mjs': { ms: 1, tests: {} } };
    writeTimings(timings, { version: 1, updatedAt: '', files: { ...quick, 'test/d.spec.mjs': { ms: 1, tests: {} } }, workerStartMs: 250 });
    const plan = await planTestRun(opts(), ctx);
    assert.equal(plan.jobs, 2, 'three profiles, but 4 ms of tests');
    assert.match(plan.jobsNote ?? '', /^uber: 2 workers, not 3: the timing history puts the 4 files at 0\.00 s in all, and a worker costs ~0\.25 s of CPU to start; pass --jobs 3 to start them all\.$/);
    const asked = await planTestRun(opts({ jobs: '3' }), ctx);
    assert.equal(asked.jobs, 3);
    assert.equal(asked.jobsNote, undefined);
    writeTimings(timings, { version: 1, updatedAt: '', files: quick, workerStartMs: 250 });
    assert.equal((await planTestRun(opts(), ctx)).jobs, 3, 'd.spec.mjs has no history: it may be long');
  });

  it('without any history, queues the largest spec files first', async () => {
    for (const [f, bytes] of [['a', 10], ['b', 300], ['c', 0], ['d', 40]] as const) writeFileSync(path.join(dir, 'test', `${f}.spec.mjs`), ' '.repeat(bytes));
    assert.deepEqual((await planTestRun(opts(), ctx)).files, ['test/b.spec.mjs', 'test/d.spec.mjs', 'test/a.spec.mjs', 'test/c.spec.mjs']);
  });

  it('prefers --profiles, then the healthy profiles of the last deploy, then config profiles, then UBER_PROFILES', async () => {
    assert.deepEqual((await planTestRun(opts({ profiles: 'w,x' }), ctx)).profiles, ['w', 'x']);
    assert.deepEqual((await planTestRun(opts(), { ...ctx, env: { ...ctx.env, UBER_PROFILES: 'z' } })).profiles, ['x', 'y', 'z']);
    writeFileSync(path.join(dir, 'uber.config.yaml'), 'test:\n  spec: ["test/*.spec.mjs"]\n');
    assert.deepEqual((await planTestRun(opts(), { ...ctx, env: { ...ctx.env, UBER_PROFILES: 'z' } })).profiles, ['z']);
    mkdirSync(path.join(dir, '.uber'), { recursive: true });
    writeFileSync(path.join(dir, '.uber', 'state.json'), JSON.stringify({ version: 1, branch: 'b', finishedAt: '', interrupted: false, repos: {}, profiles: { y: { healthy: true, failed: [] }, z: { healthy: false, failed: ['s'] } }, deploys: [] }));
    assert.deepEqual((await planTestRun(opts(), ctx)).profiles, ['y']);
  });

  it('takes a disjoint share of profiles and files for --shard (and from CircleCI variables)', async () => {
    const one = await planTestRun(opts({ profiles: 'w,x,y,z', shard: '1/2' }), ctx);
    const two = await planTestRun(opts({ profiles: 'w,x,y,z' }), { ...ctx, env: { ...ctx.env, CIRCLE_NODE_INDEX: '1', CIRCLE_NODE_TOTAL: '2' } });
    assert.deepEqual(two.shard, { index: 2, total: 2 });
    assert.deepEqual([...one.profiles, ...two.profiles].sort(), ['w', 'x', 'y', 'z']);
    assert.deepEqual([...one.files, ...two.files].sort(), ['test/a.spec.mjs', 'test/b.spec.mjs', 'test/c.spec.mjs', 'test/d.spec.mjs']);
    assert.equal(one.jobs, 2);
  });

  it('hands mocha the user rc without its "spec" so only uber’s ordered list runs; tsx only when needed', async () => {
    writeFileSync(path.join(dir, '.mocharc.json'), JSON.stringify({ spec: ['test/a.spec.mjs'], timeout: 1234 }));
    const plan = await planTestRun(opts({ specs: ['test/b.spec.mjs'], reporter: 'dot', extra: ['--grep', 'x'] }), ctx);
    const runDir = path.join(dir, 'run');
    const argv = mochaArgv({ files: plan.files, jobs: 2, reporter: plan.reporter, extra: plan.extra, userRc: plan.userRc, runDir, color: false });
    assert.deepEqual(argv.slice(1, 4), ['--parallel', '--jobs', '2']);
    assert.equal(argv[argv.indexOf('--config') + 1], path.join(runDir, 'mocharc.json'));
    assert.deepEqual(argv.slice(-3), ['--grep', 'x', 'test/b.spec.mjs']);
    assert.ok(argv.includes('--reporter') && argv.includes('dot'));
    // this test runs from src/ (plugin.ts), so tsx is required; from dist/ with .mjs specs it is not
    assert.equal(argv.filter((a) => a.includes('tsx')).length, 1);
  });

  it('knows when mocha will not take the early workers (node flags in the rc or after --, a serial or watched run, another rc), and puts the plan\'s adoption first', async () => {
    const plain = await planTestRun(opts({ specs: ['test/b.spec.mjs'], extra: ['--grep', 'x', '--timeout=5000'] }), ctx);
    assert.equal(plain.userRc.nodeFlags, false);
    assert.equal(earlyWorkersUsable(plain.userRc, plain.extra), true);
    for (const extra of [['--inspect'], ['inspect'], ['--enable-source-maps'], ['--node-option', 'no-warnings'], ['-n', 'no-warnings'], ['--no-parallel'], ['--jobs', '1'], ['-j', '1'], ['--watch'], ['--config', 'other.yml'], ['--package=x.json']]) {
      assert.equal(earlyWorkersUsable(plain.userRc, extra), false, extra.join(' '));
    }
    writeFileSync(path.join(dir, '.mocharc.json'), JSON.stringify({ 'node-option': ['enable-source-maps'] }));
    const rc = await planTestRun(opts({ specs: ['test/b.spec.mjs'] }), ctx);
    assert.equal(rc.userRc.nodeFlags, true);
    assert.equal(earlyWorkersUsable(rc.userRc, []), false);
    writeFileSync(path.join(dir, '.mocharc.json'), JSON.stringify({ timeout: 100, 'max-old-space-size': 512 }));
    assert.equal((await planTestRun(opts({ specs: ['test/b.spec.mjs'] }), ctx)).userRc.nodeFlags, true);

    const argv = mochaArgv({ files: plain.files, jobs: 2, reporter: undefined, extra: [], userRc: plain.userRc, runDir: path.join(dir, 'run'), color: false, warm: true });
    const requires = argv.flatMap((a, i) => (argv[i - 1] === '--require' && !a.includes('/tsx/') ? [path.basename(a)] : []));
    assert.deepEqual(requires, ['adopt.ts', 'plugin.ts'], 'the plan first, then the plugin');
    assert.equal(mochaArgv({ files: plain.files, jobs: 2, reporter: undefined, extra: [], userRc: plain.userRc, runDir: path.join(dir, 'run'), color: false }).some((a) => a.includes('adopt')), false);
  });
});
