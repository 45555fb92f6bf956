// Bench: `uber sync` over 30 repos vs a sequential git loop over the same remotes, with and without network latency; prints ratios (npx tsx bench/sync.ts).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
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
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 100);
const BRANCH = 'feat-x';

/** The baseline: bench/sync-loop.sh, one repo after another. */
const LOOP = fileURLToPath(new URL('./sync-loop.sh', import.meta.url));

/** Where the remotes are reached: file:// directly, or through an "ssh" that waits like a network round trip per connection. */
interface Transport {
  readonly label: string;
  readonly url: (name: string) => string;
  readonly env: NodeJS.ProcessEnv;
}

function transports(fx: Fixture): Transport[] {
  const shim = path.join(fx.root, 'latency-ssh');
  // git calls it as `ssh [-o SendEnv=GIT_PROTOCOL] host command` (protocol v2 via GIT_PROTOCOL): run the command here after the delay.
  writeFileSync(shim, `#!/bin/sh\nsleep ${LATENCY_MS / 1000}\nfor last; do :; done\nexec sh -c "$last"\n`);
  chmodSync(shim, 0o755);
  return [
    { label: 'file://', url: (n) => fx.url(n), env: fx.env },
    {
      label: `ssh with ${LATENCY_MS} ms per connection`,
      url: (n) => `ssh://bench-host${path.join(fx.remotes, `${n}.git`)}`,
      env: { ...fx.env, GIT_SSH_COMMAND: shim, GIT_SSH_VARIANT: 'ssh' },
    },
  ];
}

function loop(t: Transport, ws: string, names: readonly string[]): number {
  const start = performance.now();
  const r = spawnSync('bash', [LOOP, ws, BRANCH, ...names.map((n) => `${n}=${t.url(n)}`)], { env: t.env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git loop failed: ${r.stderr}`);
  return performance.now() - start;
}

async function uber(project: string, ctx: Ctx): Promise<number> {
  const start = performance.now();
  const outcomes = await syncRepos({ loaded: loadConfig(project), branch: BRANCH, ctx });
  const bad = outcomes.filter((o) => o.status === 'skipped' || o.status === 'failed');
  if (bad.length > 0) throw new Error(`uber sync: ${bad.map((o) => `${o.repo} ${o.status}: ${o.reason}`).join('; ')}`);
  return performance.now() - start;
}

/** Advances main and feat-x on every remote by one commit (one push per remote). */
function advance(fx: Fixture, names: readonly string[], tag: string): void {
  const seed = path.join(fx.root, 'seed');
  for (const b of ['main', BRANCH]) {
    fx.git(seed, 'checkout', '-q', b);
    writeFileSync(path.join(seed, `${tag}-${b}.txt`), `${tag}\n`);
    fx.git(seed, 'add', '-A');
    fx.git(seed, 'commit', '-q', '-m', tag);
  }
  for (const n of names) fx.git(seed, 'push', '-q', path.join(fx.remotes, `${n}.git`), 'main', BRANCH);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const PHASES = ['clone missing repos', 'fetch + fast-forward', 're-sync, nothing new'] as const;

const fx = makeFixture('uber-bench-sync-');
try {
  const names = Array.from({ length: N }, (_, i) => `svc-${String(i + 1).padStart(2, '0')}`);
  names.forEach((n, i) => makeRemote(fx, n, i % 2 === 0 ? [BRANCH] : []));
  const lines: string[] = [];
  for (const t of transports(fx)) {
    const ctx: Ctx = { cwd: fx.project, env: t.env, stdout: new PassThrough(), stderr: new PassThrough(), signal: new AbortController().signal, interactive: false, debug: false };
    const times = PHASES.map(() => ({ uber: [] as number[], loop: [] as number[] }));
    for (let round = 1; round <= ROUNDS; round++) {
      const tag = `${t.label.split(' ')[0]}-${round}`.replace(/\W/g, '_');
      const project = path.join(fx.root, `uber-${tag}`);
      const loopWs = path.join(fx.root, `loop-${tag}`);
      mkdirSync(project, { recursive: true });
      mkdirSync(loopWs, { recursive: true });
      writeConfig({ ...fx, project, url: t.url }, names);
      const uberFirst = round % 2 === 1; // alternate who goes first: the machine is shared and noisy
      for (let phase = 0; phase < PHASES.length; phase++) {
        if (phase === 1) advance(fx, names, tag);
        const slot = times[phase]!;
        if (uberFirst) slot.uber.push(await uber(project, ctx));
        slot.loop.push(loop(t, loopWs, names));
        if (!uberFirst) slot.uber.push(await uber(project, ctx));
      }
      process.stderr.write(`${t.label}, round ${round}: ${PHASES.map((p, i) => `${p} uber ${times[i]!.uber.at(-1)!.toFixed(0)} ms / loop ${times[i]!.loop.at(-1)!.toFixed(0)} ms`).join('; ')}\n`);
    }
    for (let i = 0; i < PHASES.length; i++) {
      const { uber: u, loop: l } = times[i]!;
      lines.push(`${t.label}, ${N} repos, ${PHASES[i]}: uber sync ${median(u).toFixed(0)} ms, sequential git loop ${median(l).toFixed(0)} ms, ratio ${(median(l) / median(u)).toFixed(2)}x`);
    }
  }
  console.log(`sync bench: ${N} repos (half with ${BRANCH}), ${ROUNDS} rounds, medians, ${os.cpus().length} cores, uber concurrency 8, load ${os.loadavg()[0]?.toFixed(1)}`);
  for (const l of lines) console.log(l);
} finally {
  fx.dispose();
}
