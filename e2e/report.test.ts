// `node dist/bin.js report` and `ci circleci` end to end: exit codes, files written, stdout vs stderr.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { uberPaths } from '../src/state/paths.js';
import { writeState } from '../src/state/state.js';
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
