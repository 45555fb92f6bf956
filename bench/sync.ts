// Bench: `uber sync` over 30 file:// repos vs a sequential git loop over the same remotes; prints the ratios (run: npx tsx bench/sync.ts).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/load.js';
import type { Ctx } from '../src/context.js';
import { syncRepos } from '../src/workspace/sync.js';
import { makeFixture, makeRemote, writeConfig, type Fixture } from '../test/workspace/fixture.js';

const N = Number(process.env.BENCH_REPOS ?? 30);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BRANCH = 'feat-x';

/** The baseline: bench/sync-loop.sh, one repo after another. */
const LOOP = fileURLToPath(new URL('./sync-loop.sh', import.meta.url));

function loop(fx: Fixture, ws: string, names: readonly string[]): number {
  const t = performance.now();
  const r = spawnSync('bash', [LOOP, ws, BRANCH, ...names.map((n) => `${n}=${fx.url(n)}`)], { env: fx.env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git loop failed: ${r.stderr}`);
  return performance.now() - t;
}

async function uber(fx: Fixture, project: string, ctx: Ctx): Promise<number> {
  const t = performance.now();
  const outcomes = await syncRepos({ loaded: loadConfig(project), branch: BRANCH, ctx });
  const bad = outcomes.filter((o) => o.status === 'skipped' || o.status === 'failed');
  if (bad.length > 0) throw new Error(`uber sync: ${bad.map((o) => `${o.repo} ${o.status}: ${o.reason}`).join('; ')}`);
  return performance.now() - t;
}

/** Advances main and feat-x on every remote by one commit (one push per remote). */
function advance(fx: Fixture, names: readonly string[], round: number): void {
  const seed = path.join(fx.root, 'seed');
  for (const b of ['main', BRANCH]) {
    fx.git(seed, 'checkout', '-q', b);
    writeFileSync(path.join(seed, `round-${round}-${b}.txt`), `${round}\n`);
    fx.git(seed, 'add', '-A');
    fx.git(seed, 'commit', '-q', '-m', `round ${round}`);
  }
  for (const n of names) fx.git(seed, 'push', '-q', path.join(fx.remotes, `${n}.git`), 'main', BRANCH);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const fx = makeFixture('uber-bench-sync-');
try {
  const names = Array.from({ length: N }, (_, i) => `svc-${String(i + 1).padStart(2, '0')}`);
  names.forEach((n, i) => makeRemote(fx, n, i % 2 === 0 ? [BRANCH] : []));
  const ctx: Ctx = { cwd: fx.project, env: fx.env, stdout: new PassThrough(), stderr: new PassThrough(), signal: new AbortController().signal, interactive: false, debug: false };
  const times = { cloneUber: [] as number[], cloneLoop: [] as number[], updateUber: [] as number[], updateLoop: [] as number[], idleUber: [] as number[], idleLoop: [] as number[] };
  for (let round = 1; round <= ROUNDS; round++) {
    const project = path.join(fx.root, `round-${round}`);
    const loopWs = path.join(fx.root, `loop-${round}`);
    spawnSync('mkdir', ['-p', project, loopWs]);
    writeConfig({ ...fx, project }, names);
    const uberFirst = round % 2 === 1;
    if (uberFirst) times.cloneUber.push(await uber(fx, project, ctx));
    times.cloneLoop.push(loop(fx, loopWs, names));
    if (!uberFirst) times.cloneUber.push(await uber(fx, project, ctx));
    advance(fx, names, round);
    if (uberFirst) times.updateUber.push(await uber(fx, project, ctx));
    times.updateLoop.push(loop(fx, loopWs, names));
    if (!uberFirst) times.updateUber.push(await uber(fx, project, ctx));
    if (uberFirst) times.idleUber.push(await uber(fx, project, ctx));
    times.idleLoop.push(loop(fx, loopWs, names));
    if (!uberFirst) times.idleUber.push(await uber(fx, project, ctx));
    process.stderr.write(`round ${round}: clone uber ${times.cloneUber.at(-1)?.toFixed(0)} ms, loop ${times.cloneLoop.at(-1)?.toFixed(0)} ms; update uber ${times.updateUber.at(-1)?.toFixed(0)} ms, loop ${times.updateLoop.at(-1)?.toFixed(0)} ms; nothing new uber ${times.idleUber.at(-1)?.toFixed(0)} ms, loop ${times.idleLoop.at(-1)?.toFixed(0)} ms\n`);
  }
  const line = (what: string, u: number[], l: number[]): string =>
    `${what}: uber sync ${median(u).toFixed(0)} ms, sequential git loop ${median(l).toFixed(0)} ms, ratio ${(median(l) / median(u)).toFixed(2)}x`;
  console.log(`sync bench: ${N} repos (file:// remotes, half with ${BRANCH}), ${ROUNDS} rounds, median, ${os.cpus().length} cores, concurrency 8`);
  console.log(line(`clone ${N} missing repos`, times.cloneUber, times.cloneLoop));
  console.log(line(`fetch + fast-forward ${N} clones`, times.updateUber, times.updateLoop));
  console.log(line(`re-sync ${N} clones, nothing new`, times.idleUber, times.idleLoop));
} finally {
  fx.dispose();
}
