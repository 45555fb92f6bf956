// `uber ci circleci`, `uber ci restore-timings|save-timings` and `uber report` through the CLI, in temp projects.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { uberPaths } from '../../src/state/paths.js';
import { writeState } from '../../src/state/state.js';
import { readTimings, writeTimings, type Timings } from '../../src/timings/timings.js';
import { knownRun, knownState } from '../report/fixtures.js';
import { runCli } from '../support/run-cli.js';
import { validateCircleConfig } from './validate.js';

function project(config = 'profiles: [ci-1, ci-2, ci-3]\n'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'uber-ci-'));
  mkdirSync(path.join(dir, '.git'));
  writeFileSync(path.join(dir, 'uber.config.yaml'), config);
  return dir;
}

const timings = (files: Record<string, number>, updatedAt: string): Timings => ({
  version: 1,
  updatedAt,
  files: Object.fromEntries(Object.entries(files).map(([f, ms]) => [f, { ms, tests: {} }])),
});

describe('cli: uber ci and uber report', function () {
  this.timeout(60_000);
  const dirs: string[] = [];
  const fresh = (config?: string): string => {
    const d = project(config);
    dirs.push(d);
    return d;
  };
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('uber ci circleci writes a valid config at the repository root and prints its path', async () => {
    const dir = fresh();
    const sub = path.join(dir, 'deep');
    mkdirSync(sub);
    const r = await runCli(['ci', 'circleci', '--parallelism', '2'], sub);
    assert.equal(r.code, 0, r.err);
    const file = path.join(dir, '.circleci', 'config.yml');
    assert.equal(r.out.trim(), file);
    const raw = validateCircleConfig(readFileSync(file, 'utf8')) as { jobs: { test: { parallelism: number } } };
    assert.equal(raw.jobs.test.parallelism, 2);
    assert.match(r.err, /2 test containers/);
    const again = await runCli(['ci', 'circleci'], dir);
    assert.equal(again.code, 0, 'rewrites its own file; defaults to one container per profile');
    assert.match(readFileSync(file, 'utf8'), /parallelism: 3/);
  });

  it('exits 2 when there are more containers than profiles, and writes nothing', async () => {
    const dir = fresh();
    const r = await runCli(['ci', 'circleci', '--parallelism', '4'], dir);
    assert.equal(r.code, 2);
    assert.match(r.err, /--parallelism 4 needs at least 4 profiles .* are 3 \(ci-1, ci-2, ci-3\)/);
    assert.equal(existsSync(path.join(dir, '.circleci')), false);
    assert.equal((await runCli(['ci', 'circleci', '--parallelism', 'two'], dir)).code, 2);
    assert.equal((await runCli(['ci', 'circleci', '--profiles', 'a,b', '--parallelism', '3'], dir)).code, 2, '--profiles counts');
  });

  it('will not overwrite a hand-written config without --force; --out - prints it', async () => {
    const dir = fresh();
    mkdirSync(path.join(dir, '.circleci'));
    const file = path.join(dir, '.circleci', 'config.yml');
    writeFileSync(file, 'version: 2.1\n# mine\n');
    const r = await runCli(['ci', 'circleci'], dir);
    assert.equal(r.code, 2);
    assert.equal(readFileSync(file, 'utf8'), 'version: 2.1\n# mine\n');
    assert.equal((await runCli(['ci', 'circleci', '--force'], dir)).code, 0);
    const printed = await runCli(['ci', 'circleci', '--out', '-', '--parallelism', '1', '--context', 'prod-aws'], dir);
    assert.equal(printed.code, 0);
    assert.match(printed.out, /context:\n\s+- prod-aws/);
    validateCircleConfig(printed.out);
  });

  it('save-timings keeps each container its files; restore-timings merges every container back', async () => {
    const dir = fresh();
    const paths = uberPaths(dir);
    const run = knownRun();
    // Container 0 ran orders + users, container 1 ran billing; each holds an old view of the other's files.
    writeTimings(paths.timings, timings({ 'orders.spec.js': 2000, 'users.spec.js': 2500, 'billing.spec.js': 100 }, '2026-01-02T00:00:00.000Z'));
    mkdirSync(paths.reports, { recursive: true });
    writeFileSync(paths.testRun, JSON.stringify({ ...run, files: run.files.filter((f) => f.file !== 'billing.spec.js') }));
    assert.equal((await runCli(['ci', 'save-timings'], dir, { CIRCLE_NODE_INDEX: '0' })).code, 0);
    const node0 = readFileSync(path.join(paths.root, 'ci-timings', 'node-0.json'), 'utf8');
    assert.deepEqual(Object.keys(readTimings(path.join(paths.root, 'ci-timings', 'node-0.json'))?.files ?? {}).sort(), ['orders.spec.js', 'users.spec.js']);

    // The next run starts clean, with both containers' caches restored side by side.
    rmSync(paths.root, { recursive: true });
    mkdirSync(path.join(paths.root, 'ci-timings'), { recursive: true });
    writeFileSync(path.join(paths.root, 'ci-timings', 'node-0.json'), node0);
    writeTimings(path.join(paths.root, 'ci-timings', 'node-1.json'), timings({ 'billing.spec.js': 2300 }, '2026-01-02T00:00:01.000Z'));
    const r = await runCli(['ci', 'restore-timings'], dir);
    assert.equal(r.code, 0);
    assert.match(r.err, /Merged timings from 2 containers: history for 3 spec files/);
    const merged = readTimings(paths.timings)?.files ?? {};
    assert.deepEqual(Object.fromEntries(Object.entries(merged).map(([f, t]) => [f, t.ms])), { 'orders.spec.js': 2000, 'users.spec.js': 2500, 'billing.spec.js': 2300 });
  });

  it('restore-timings with no history still writes an empty timings file for the workspace', async () => {
    const dir = fresh();
    const r = await runCli(['ci', 'restore-timings'], dir);
    assert.equal(r.code, 0);
    assert.match(r.err, /No timing history yet/);
    assert.deepEqual(readTimings(uberPaths(dir).timings)?.files, {});
  });

  it('uber report prints the summaries, writes both waterfalls and prints their paths; --json for machines', async () => {
    const dir = fresh();
    const paths = uberPaths(dir);
    mkdirSync(paths.reports, { recursive: true });
    writeFileSync(paths.testRun, JSON.stringify(knownRun()));
    writeState(paths.state, knownState());
    const r = await runCli(['report'], dir);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Imbalance: 2\.90 s/);
    assert.match(r.out, /^ci-2\s+unhealthy\s+1\s+1\s+0\s+1/m);
    assert.ok(r.out.includes(`Test waterfall: ${paths.waterfall}`) && r.out.includes(`Deploy waterfall: ${paths.deployWaterfall}`));
    assert.ok(existsSync(paths.waterfall) && existsSync(paths.deployWaterfall));
    const json = JSON.parse((await runCli(['report', '--json'], dir)).out) as { tests: { summary: { imbalanceMs: number }; waterfall: string }; deploys: { summary: { failed: number } } };
    assert.equal(json.tests.summary.imbalanceMs, 2900);
    assert.equal(json.tests.waterfall, paths.waterfall);
    assert.equal(json.deploys.summary.failed, 1);
    const onlyDeploys = await runCli(['report', '--deploys'], dir);
    assert.doesNotMatch(onlyDeploys.out, /Imbalance/);
  });

  it('uber report exits 2 when nothing ran yet, and on a record that is not uber\'s', async () => {
    const dir = fresh();
    const r = await runCli(['report'], dir);
    assert.equal(r.code, 2);
    assert.match(r.err, /run uber deploy or uber test first/);
    mkdirSync(uberPaths(dir).reports, { recursive: true });
    writeFileSync(uberPaths(dir).testRun, '{"version": 9}');
    assert.equal((await runCli(['report', '--tests'], dir)).code, 2);
  });

  describe('item 3: damaged run files are one sentence and exit 2 from uber report, never an internal error', () => {
    const cases: Array<[string, (paths: ReturnType<typeof uberPaths>) => void, RegExp]> = [
      ['tests.json cut short', (p) => writeFileSync(p.testRun, JSON.stringify(knownRun()).slice(0, 200)), /tests\.json is not valid JSON \(damaged\); run uber test again/],
      ['a test that is not a record', (p) => writeFileSync(p.testRun, JSON.stringify({ ...knownRun(), tests: [1] })), /tests\.json is not an uber test record \(version 1\) \(at tests\.0: .*\); run uber test again/],
      ['a file with a wrong type', (p) => writeFileSync(p.testRun, JSON.stringify({ ...knownRun(), files: [{ file: 'a', start: 'soon' }] })), /tests\.json is not an uber test record .*at files\.0\./],
      ['a damaged latest pointer', (p) => {
        mkdirSync(p.runs, { recursive: true });
        writeFileSync(path.join(p.runs, 'latest-test.json'), '[]');
      }, /latest-test\.json is damaged \(not a run pointer\); delete it and run uber again\./],
    ];
    for (const [what, damage, message] of cases) {
      it(what, async () => {
        const dir = fresh();
        const paths = uberPaths(dir);
        mkdirSync(paths.reports, { recursive: true });
        damage(paths);
        const r = await runCli(['report', '--tests'], dir);
        assert.equal(r.code, 2, r.err);
        assert.match(r.err, message);
        assert.equal(r.err.trim().split('\n').length, 1, `one sentence, no stack: ${r.err}`);
        assert.doesNotMatch(r.err, /internal error/i);
      });
    }
  });
});
