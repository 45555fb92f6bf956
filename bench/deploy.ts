// Deploy speed, as ratios: makespan over its lower bound for 4 repos × 5 services × 4 profiles (goal ≤ 1.10),
// and the time to prepare one isolated copy of a repo with a 20,000-file node_modules (goal ≤ 100 ms).
// Run: npx tsx bench/deploy.ts [deployMs=2000] [concurrency=8]
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { deploy } from '../src/deploy/deploy.js';
import { isolate } from '../src/isolation/isolate.js';
import { makeProject } from '../test/deploy/workspace.js';

const d = Number(process.argv[2] ?? 2000);
const concurrency = Number(process.argv[3] ?? 8);

/** Median wall time to start and end one `node -e 0`: run() supervises every deploy with a node watchdog. */
function nodeStartMs(): number {
  const times: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[2]!;
}

/** kind "fixture": the fixture sls (a node process, like the real one); "sleep": /bin/sleep, to show uber's own overhead. */
async function makespan(kind: 'fixture' | 'sleep'): Promise<void> {
  const profiles = ['ci-1', 'ci-2', 'ci-3', 'ci-4'];
  const command = kind === 'sleep' ? `sleep ${d / 1000}` : 'sls deploy --stage {stage} --aws-profile {profile}';
  const p = makeProject({
    repos: ['r1', 'r2', 'r3', 'r4'],
    services: ['s1', 's2', 's3', 's4', 's5'],
    profiles,
    deploy: { command, concurrency, perProfile: Math.ceil(concurrency / profiles.length), retries: 0 },
    env: { SLS_FIXTURE_SLEEP_MS: String(d), SLS_FIXTURE_JOURNAL: '' },
  });
  try {
    const sink = new PassThrough().resume();
    const ctx = { cwd: p.root, env: p.env, stdout: sink, stderr: sink, signal: new AbortController().signal, interactive: false, debug: false };
    const start = nodeStartMs();
    const t0 = performance.now();
    const res = await deploy(ctx, { branch: 'bench', sync: false, failFast: false, keepTemp: false, json: false });
    const ms = performance.now() - t0;
    const pairs = res.outcomes.length;
    const bound = (pairs * d) / concurrency;
    const ok = res.outcomes.filter((o) => o.status === 'ok').length;
    const withStart = (pairs * (d + start)) / concurrency;
    console.log(
      `makespan (${kind}): ${pairs} deploys (${ok} ok) of ${d} ms at concurrency ${concurrency}: ${(ms / 1000).toFixed(2)} s; ` +
        `lower bound ${(bound / 1000).toFixed(2)} s; ratio ${(ms / bound).toFixed(3)} (goal ≤ 1.10); ` +
        `one node process start takes ${start.toFixed(0)} ms here, counting it per deploy the ratio is ${(ms / withStart).toFixed(3)}`,
    );
  } finally {
    p.cleanup();
  }
}

async function isolationCost(): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'uber-bench-iso-'));
  try {
    const repo = path.join(root, 'repo');
    await mkdir(path.join(repo, 'services', 'api'), { recursive: true });
    await writeFile(path.join(repo, 'services', 'api', 'serverless.yml'), 'service: api\n');
    await writeFile(path.join(repo, 'services', 'api', 'handler.js'), 'exports.h = async () => 1;\n');
    await writeFile(path.join(repo, 'package.json'), '{"name":"bench"}\n');
    for (let pkg = 0; pkg < 400; pkg += 1) {
      const dir = path.join(repo, 'node_modules', `pkg-${pkg}`, 'lib');
      await mkdir(dir, { recursive: true });
      await Promise.all(Array.from({ length: 50 }, (_, f) => writeFile(path.join(dir, `f${f}.js`), `module.exports = ${f};\n`)));
    }
    const times: number[] = [];
    for (let i = 0; i < 9; i += 1) {
      const t0 = performance.now();
      const iso = await isolate({ repoDir: repo, service: 'services/api', profile: 'p', env: {}, cwd: root, parentDir: path.join(root, 'tmp') });
      times.push(performance.now() - t0);
      await iso.dispose();
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    const t0 = performance.now();
    await cp(path.join(repo, 'node_modules', 'pkg-0'), path.join(root, 'one-package'), { recursive: true });
    const perPackage = performance.now() - t0;
    console.log(
      `isolation: one copy of a repo with a 20,000-file node_modules: median ${median.toFixed(1)} ms of 9; ratio to goal ${(median / 100).toFixed(3)} (goal ≤ 1.00 = 100 ms); ` +
        `copying node_modules instead would take ~${((perPackage * 400) / 1000).toFixed(1)} s (one 50-file package took ${perPackage.toFixed(1)} ms)`,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

console.log(`machine: ${os.availableParallelism()} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (timings are noisy while others run)`);
await isolationCost();
await makespan('sleep');
await makespan('fixture');
