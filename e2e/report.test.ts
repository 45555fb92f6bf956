// `node dist/bin.js report` and `ci circleci` end to end: exit codes, files written, stdout vs stderr.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readTestRun } from '../src/report/run.js';
import { uberPaths } from '../src/state/paths.js';
import { writeState } from '../src/state/state.js';
import { readTimings } from '../src/timings/timings.js';
import { validateCircleConfig } from '../test/ci/validate.js';
import { knownRun, knownState } from '../test/report/fixtures.js';

const BIN = path.resolve('dist/bin.js');

function uber(cwd: string, args: string[]): { code: number | null; out: string; err: string } {
  const env = { PATH: process.env.PATH, HOME: cwd, CI: '1' };
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('e2e: uber report and uber ci circleci', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'uber-e2e-report-'));
    mkdirSync(path.join(dir, '.git'));
    writeFileSync(path.join(dir, 'uber.config.yaml'), 'profiles: [ci-1, ci-2]\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('report exits 2 with one sentence when nothing ran', () => {
    const r = uber(dir, ['report']);
    assert.equal(r.code, 2);
    assert.match(r.err, /^uber: There is no deploy or test run in .*; run uber deploy or uber test first\.\n$/);
  });

  it('report renders the last run: summary and page paths on stdout, pages on disk', () => {
    const paths = uberPaths(dir);
    mkdirSync(paths.reports, { recursive: true });
    writeFileSync(paths.testRun, JSON.stringify(knownRun()));
    writeState(paths.state, knownState());
    const r = uber(dir, ['report']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Makespan: 4\.90 s against a lower bound/);
    assert.match(r.out, new RegExp(`Test waterfall: ${paths.waterfall.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.ok(existsSync(paths.waterfall) && existsSync(paths.deployWaterfall));
    const json = uber(dir, ['report', '--json']);
    assert.equal((JSON.parse(json.out) as { deploys: { waterfall: string } }).deploys.waterfall, paths.deployWaterfall);
  });

  it('ci circleci exits 2 for more containers than profiles, writes a valid config otherwise', () => {
    const bad = uber(dir, ['ci', 'circleci', '--parallelism', '3']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--parallelism 3 needs at least 3 profiles/);
    const ok = uber(dir, ['ci', 'circleci', '--parallelism', '2']);
    assert.equal(ok.code, 0, ok.err);
    const file = path.join(dir, '.circleci', 'config.yml');
    assert.equal(ok.out.trim(), file);
    validateCircleConfig(readFileSync(file, 'utf8'));
  });
});

describe('e2e: two CircleCI containers from one workspace', function () {
  this.timeout(300_000);
  const SPECS: Record<string, number> = { 'a.spec.cjs': 900, 'b.spec.cjs': 200, 'c.spec.cjs': 700, 'd.spec.cjs': 300, 'e.spec.cjs': 500 };
  let root: string;
  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'uber-e2e-shards-'));
    const ws = path.join(root, 'workspace');
    mkdirSync(path.join(ws, '.uber'), { recursive: true });
    for (const [file, ms] of Object.entries(SPECS)) {
      writeFileSync(path.join(ws, file), `describe('${file}', function () { it('works', () => new Promise((r) => setTimeout(r, ${ms}))); });\n`);
    }
    writeFileSync(path.join(ws, 'aws-config'), ['p1', 'p2', 'p3', 'p4'].map((p) => `[profile ${p}]\nregion = us-east-1\n`).join(''));
    writeFileSync(path.join(ws, 'uber.config.yaml'), 'profiles: [p1, p2, p3, p4]\ntest:\n  spec: ["*.spec.cjs"]\n  cwd: .\n');
    // The history provision merged and persisted: every container reads this same file.
    writeFileSync(path.join(ws, '.uber', 'timings.json'), JSON.stringify({ version: 1, updatedAt: 'x', files: Object.fromEntries(Object.entries(SPECS).map(([f, ms]) => [f, { ms, tests: {} }])) }));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('splits the files exactly (each once) and the profiles disjointly; the next provision merges both histories', () => {
    const ran: string[][] = [];
    const leased: string[][] = [];
    const shares: string[] = [];
    for (const node of [0, 1]) {
      const dir = path.join(root, `container-${node}`);
      cpSync(path.join(root, 'workspace'), dir, { recursive: true });
      const env = { PATH: process.env.PATH, HOME: dir, CI: '1', CIRCLE_NODE_INDEX: String(node), CIRCLE_NODE_TOTAL: '2', AWS_CONFIG_FILE: path.join(dir, 'aws-config'), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none') };
      const t = spawnSync(process.execPath, [BIN, 'test', '--parallel'], { cwd: dir, env, encoding: 'utf8', timeout: 120_000 });
      assert.equal(t.status, 0, t.stderr);
      const run = readTestRun(path.join(dir, '.uber', 'reports', 'tests.json'));
      assert.deepEqual(run?.shard, { index: node + 1, total: 2 });
      ran.push((run?.files ?? []).map((f) => f.file));
      leased.push([...new Set((run?.tests ?? []).map((x) => x.profile ?? ''))]);
      const s = spawnSync(process.execPath, [BIN, 'ci', 'save-timings'], { cwd: dir, env, encoding: 'utf8' });
      assert.equal(s.status, 0, s.stderr);
      shares.push(readFileSync(path.join(dir, '.uber', 'ci-timings', `node-${node}.json`), 'utf8'));
    }
    assert.deepEqual(ran.flat().sort(), Object.keys(SPECS).sort(), 'the union is the suite, each file once');
    assert.deepEqual(leased.flat().filter((p) => leased[0]?.includes(p) && leased[1]?.includes(p)), [], 'no profile leased by both containers');
    const next = path.join(root, 'next-provision');
    mkdirSync(path.join(next, '.uber', 'ci-timings'), { recursive: true });
    writeFileSync(path.join(next, 'uber.config.yaml'), 'profiles: [p1, p2, p3, p4]\n');
    shares.forEach((text, node) => writeFileSync(path.join(next, '.uber', 'ci-timings', `node-${node}.json`), text));
    const r = spawnSync(process.execPath, [BIN, 'ci', 'restore-timings'], { cwd: next, env: { PATH: process.env.PATH, HOME: next }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(Object.keys(readTimings(path.join(next, '.uber', 'timings.json'))?.files ?? {}).sort(), Object.keys(SPECS).sort());
  });
});
