// Workers started before uber has planned (src/mocha/warm.ts), through the built binary: the tests in them see the
// environment and folder of the plan, not those of the moment they started; extra or unusable workers stop; nothing is left.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestRun } from '../src/report/run.js';
import { processesWithEnv, runUber, startUber } from './support/uber.js';

interface Seen {
  pid: number;
  cwd: string;
  runId: string | null;
  plan: string | null;
  mine: string | null;
  profile: string | null;
  workerId: string | null;
  /** The worker's environment when it started (/proc/self/environ) named a plan file: it started before the plan. */
  warm: boolean;
}

/** A spec file whose tests write what they see into JOURNAL. */
const spec = (name: string, ms = 150): string => `import { appendFileSync, readFileSync } from 'node:fs';
describe('${name}', () => {
  for (const t of ['one', 'two']) {
    it(t, async () => {
      await new Promise((r) => setTimeout(r, ${ms}));
      const started = readFileSync('/proc/self/environ', 'latin1').split('\\0');
      appendFileSync(process.env.JOURNAL, JSON.stringify({
        pid: process.pid, cwd: process.cwd(), runId: process.env.UBER_RUN_ID ?? null, plan: process.env.UBER_WARM_PLAN ?? null,
        mine: process.env.MY_VAR ?? null, profile: process.env.AWS_PROFILE ?? null, workerId: process.env.MOCHA_WORKER_ID ?? null, warm: started.some((l) => l.startsWith('UBER_WARM_PLAN=')),
      }) + '\\n');
    });
  }
});
`;

describe('uber test: workers started before the plan (built binary)', function () {
  this.timeout(300_000);
  let root: string;
  let tmp: string;
  let env: NodeJS.ProcessEnv;

  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'uber-e2e-warm-'));
    tmp = path.join(root, 'tmp');
    mkdirSync(tmp);
    writeFileSync(path.join(root, 'config'), ['p-1', 'p-2', 'p-3'].map((p) => `[profile ${p}]\nregion = eu-west-1\n`).join('\n'));
    env = { PATH: process.env.PATH, HOME: root, TMPDIR: tmp, AWS_CONFIG_FILE: path.join(root, 'config'), AWS_SHARED_CREDENTIALS_FILE: path.join(root, 'credentials'), MY_VAR: 'from the shell' };
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** A project whose tests run in suite/ (test.cwd), not where uber is started. */
  function project(name: string, profiles: string[], files: number, ms?: number): { dir: string; suite: string; journal: string } {
    const dir = path.join(root, name);
    const suite = path.join(dir, 'suite');
    mkdirSync(path.join(suite, 'test'), { recursive: true });
    writeFileSync(path.join(dir, 'uber.config.yaml'), `profiles: [${profiles.join(', ')}]\ntest:\n  cwd: suite\n  spec: ["test/*.spec.mjs"]\n`);
    for (let i = 0; i < files; i++) writeFileSync(path.join(suite, 'test', `f${i}.spec.mjs`), spec(`f${i}`, ms));
    return { dir, suite, journal: path.join(dir, 'journal.jsonl') };
  }

  async function run(p: { dir: string; journal: string }, args: string[], mark: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<{ seen: Seen[]; run: TestRun; stderr: string }> {
    rmSync(p.journal, { force: true });
    const r = await runUber(['test', ...args], { cwd: p.dir, env: { ...env, ...extraEnv, JOURNAL: p.journal, UBER_E2E_MARK: mark }, timeoutMs: 200_000 });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    await new Promise((res) => setTimeout(res, 300));
    assert.deepEqual(processesWithEnv('UBER_E2E_MARK', mark), [], 'no worker, mocha or launcher left');
    assert.deepEqual(readdirSync(tmp).filter((n) => n.startsWith('uber-')), [], 'no plan or run folder left in TMPDIR');
    const seen = readFileSync(p.journal, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Seen);
    return { seen, run: JSON.parse(readFileSync(path.join(p.dir, '.uber/reports/tests.json'), 'utf8')) as TestRun, stderr: r.stderr };
  }

  it('tests in early workers see the planned folder and settings, the shell\'s variables, and no plan file; the next run starts the chosen count', async () => {
    const p = project('subfolder', ['p-1', 'p-2', 'p-3'], 6);
    // the user's own --require (from their .mocharc, relative to test.cwd) loads after the plan is taken
    writeFileSync(path.join(p.suite, '.mocharc.json'), JSON.stringify({ require: ['./setup.mjs'] }));
    writeFileSync(
      path.join(p.suite, 'setup.mjs'),
      "import { appendFileSync } from 'node:fs';\nappendFileSync(process.env.JOURNAL + '.setup', JSON.stringify({ cwd: process.cwd(), runId: process.env.UBER_RUN_ID ?? null }) + '\\n');\n",
    );
    const first = await run(p, [], `${process.pid}-warm-1`);
    const setups = readFileSync(`${p.journal}.setup`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { cwd: string; runId: string | null });
    assert.ok(setups.length >= 4, `mocha's process and each worker loaded it: ${setups.length}`);
    assert.ok(setups.every((x) => x.cwd === p.suite && x.runId === first.run.id), JSON.stringify(setups));
    assert.equal(first.seen.length, 12);
    assert.equal(first.run.jobs, 3, 'no history yet: a worker per profile');
    assert.ok(first.seen.some((s) => s.warm), 'some tests ran in workers started before the plan');
    assert.ok(first.seen.some((s) => !s.warm), 'the third worker started when mocha asked for it');
    for (const s of first.seen) {
      assert.equal(s.cwd, p.suite, `test.cwd, in ${s.warm ? 'an early' : 'a late'} worker`);
      assert.equal(s.runId, first.run.id);
      assert.equal(s.plan, null);
      assert.equal(s.mine, 'from the shell');
      assert.ok(['p-1', 'p-2', 'p-3'].includes(s.profile ?? ''), `leased: ${s.profile}`);
    }
    assert.deepEqual(JSON.parse(readFileSync(path.join(p.dir, '.uber/test-workers.json'), 'utf8')), { workers: 3 });

    // more started than the run takes (UBER_EARLY_WORKERS=4 whatever the cores; 3 profiles, no history): the extra
    // one stops before any test
    rmSync(path.join(p.dir, '.uber', 'timings.json'));
    const second = await run(p, [], `${process.pid}-warm-2`, { UBER_EARLY_WORKERS: '4' });
    assert.equal(second.run.jobs, 3);
    assert.equal(second.seen.length, 12);
    assert.ok(second.seen.every((s) => s.cwd === p.suite && s.runId === second.run.id && s.plan === null && s.warm));
    const workers = new Map(second.seen.map((s) => [s.pid, s.workerId]));
    assert.ok(workers.size <= 3, `${workers.size} workers ran tests, jobs 3`);
    assert.equal(new Set(workers.values()).size, workers.size, `each worker its own MOCHA_WORKER_ID: ${JSON.stringify([...workers])}`);
    assert.deepEqual(JSON.parse(readFileSync(path.join(p.dir, '.uber/test-workers.json'), 'utf8')), { workers: 3 });

    // --jobs names the count and is not remembered
    const named = await run(p, ['--jobs', '2'], `${process.pid}-warm-3`);
    assert.equal(named.run.jobs, 2);
    assert.ok(named.seen.every((s) => s.warm), 'both workers started before the plan');
    assert.equal(new Set(named.seen.map((s) => s.pid)).size, 2);
    assert.deepEqual(JSON.parse(readFileSync(path.join(p.dir, '.uber/test-workers.json'), 'utf8')), { workers: second.run.jobs });
  });

  it('a serial run (one profile) and node flags in .mocharc stop the early workers: tests pass, none ran there', async () => {
    const serial = project('one-profile', ['p-1'], 2);
    const alone = await run(serial, [], `${process.pid}-serial`);
    assert.equal(alone.run.jobs, 1);
    assert.equal(alone.seen.length, 4);
    assert.ok(alone.seen.every((s) => !s.warm && s.cwd === serial.suite));
    assert.deepEqual(JSON.parse(readFileSync(path.join(serial.dir, '.uber/test-workers.json'), 'utf8')), { workers: 1 });

    // mocha's bin starts another node for node's flags: its workers are that node's children
    const flags = project('node-flags', ['p-1', 'p-2'], 4);
    writeFileSync(path.join(flags.suite, '.mocharc.json'), JSON.stringify({ 'enable-source-maps': true }));
    const flagged = await run(flags, [], `${process.pid}-flags`);
    assert.equal(flagged.seen.length, 8);
    assert.ok(flagged.seen.every((s) => !s.warm && s.cwd === flags.suite && s.runId === flagged.run.id));
    assert.equal(existsSync(path.join(flags.dir, '.uber/test-workers.json')), true);

    // node flags uber does not read (package.json's "mocha"): mocha never takes the early workers, and the run still
    // ends when mocha does
    const pkg = project('package-flags', ['p-1', 'p-2'], 2);
    writeFileSync(path.join(pkg.suite, 'package.json'), JSON.stringify({ name: 'suite', mocha: { 'enable-source-maps': true } }));
    const viaPackage = await run(pkg, [], `${process.pid}-package`);
    assert.ok(viaPackage.seen.length === 4 && viaPackage.seen.every((s) => !s.warm));
  });

  it('Ctrl-C while the early workers start, before the plan, and once tests run: exit 130, nothing left', async () => {
    const p = project('interrupted', ['p-1', 'p-2', 'p-3'], 3, 5000);
    for (const [when, afterMs] of [['before the plan', 150], ['while the workers start', 450], ['during the tests', 1500]] as const) {
      const mark = `${process.pid}-int-${afterMs}`;
      const u = startUber(['test'], { cwd: p.dir, env: { ...env, JOURNAL: p.journal, UBER_E2E_MARK: mark }, timeoutMs: 60_000 });
      await new Promise((r) => setTimeout(r, afterMs));
      u.child.kill('SIGINT');
      const r = await u.done;
      assert.equal(r.code, 130, `${when}: ${r.stderr}`);
      await new Promise((res) => setTimeout(res, 300));
      assert.deepEqual(processesWithEnv('UBER_E2E_MARK', mark), [], `${when}: no process left`);
      assert.deepEqual(readdirSync(tmp).filter((n) => n.startsWith('uber-')), [], `${when}: no plan or run folder left`);
      assert.deepEqual(readdirSync(path.join(p.dir, '.uber', 'leases')).filter((n) => n.includes('.lock')), [], `${when}: no lease left`);
    }
  });
});
