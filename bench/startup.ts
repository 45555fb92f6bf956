// Wall time of `uber test` against plain `mocha --parallel` on the same files: a trivial suite (uber's fixed cost)
// and 300 tiny files (its cost per file). Runs alternate (mocha, uber, uber --jobs <profiles>, ...) and the medians
// are compared: uber as a user runs it (it may start fewer workers than profiles, src/testrun/workers.ts), and uber
// with plain mocha's worker count (its fixed cost alone).
// Usage: npx tsx bench/startup.ts [runs=5] [--trace] [--bin path/to/bin.js] [--tiny]   (needs a build: node dist/bin.js)
//   --trace: one more uber run of each suite with UBER_TRACE=1, printing uber's phase timeline.
//   --bin: another build of uber to measure (e.g. a checkout of main), instead of this one's dist/bin.js.
//   --tiny: the 300 tiny files only.
// Besides the medians, the median of the paired ratios (each uber run over the plain run just before it), which
// holds better when the machine's load drifts during the runs.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mochaBin } from '../src/testrun/argv.js';

const args = process.argv.slice(2);
const RUNS = Number(args.find((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--bin') ?? 5);
const TRACE = args.includes('--trace');
const TINY = args.includes('--tiny');
const binAt = args.indexOf('--bin');
const UBER = binAt >= 0 ? path.resolve(args[binAt + 1]!) : path.join(path.resolve(fileURLToPath(new URL('..', import.meta.url))), 'dist', 'bin.js');

interface Suite {
  readonly name: string;
  readonly files: number;
  readonly profiles: number;
}

function project(s: Suite): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'uber-bench-startup-'));
  mkdirSync(path.join(dir, 'test'));
  for (let i = 0; i < s.files; i++) {
    writeFileSync(path.join(dir, 'test', `f${String(i).padStart(3, '0')}.spec.mjs`), `describe('f${i}', () => { it('works', () => {}); });\n`);
  }
  const profiles = Array.from({ length: s.profiles }, (_, i) => `p${i + 1}`);
  writeFileSync(path.join(dir, 'aws'), profiles.map((p) => `[profile ${p}]\nregion = us-east-1\n`).join(''));
  writeFileSync(path.join(dir, 'uber.config.yaml'), `profiles: [${profiles.join(', ')}]\ntest:\n  spec: ["test/*.spec.mjs"]\n`);
  return { dir, env: { PATH: process.env.PATH, HOME: dir, CI: '1', AWS_CONFIG_FILE: path.join(dir, 'aws'), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none') } };
}

function wall(argv: string[], dir: string, env: NodeJS.ProcessEnv): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, argv, { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${argv.slice(0, 2).join(' ')} failed (${r.status}): ${r.stderr.toString().slice(-2000)}`);
  return ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

const suites: Suite[] = [
  { name: 'trivial: 4 files, 4 profiles', files: 4, profiles: 4 },
  { name: '300 tiny files, 3 profiles', files: 300, profiles: 3 },
];
console.log(`uber test vs mocha --parallel --jobs <profiles>, ${RUNS} interleaved runs each, medians; ${os.cpus().length} cores`);
for (const s of TINY ? suites.slice(1) : suites) {
  const { dir, env } = project(s);
  try {
    const plainArgv = [mochaBin(), '--parallel', '--jobs', String(s.profiles), '--reporter', 'dot', 'test/*.spec.mjs'];
    const uberArgv = [UBER, 'test', '--reporter', 'dot'];
    // uber with as many workers as plain mocha: its fixed cost alone, without its choice of worker count
    const sameArgv = [UBER, 'test', '--jobs', String(s.profiles), '--reporter', 'dot'];
    wall(uberArgv, dir, env); // warm the disk cache and write the timing history once
    const plain: number[] = [];
    const uber: number[] = [];
    const same: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      plain.push(wall(plainArgv, dir, env));
      uber.push(wall(uberArgv, dir, env));
      same.push(wall(sameArgv, dir, env));
    }
    const [p, u, j] = [median(plain), median(uber), median(same)];
    const paired = (xs: number[]): string => median(xs.map((x, i) => x / plain[i]!)).toFixed(2);
    console.log(`${s.name.padEnd(32)} plain ${sec(p)}  uber ${sec(u)}  uber − plain ${sec(u - p)}  uber / plain ${(u / p).toFixed(2)} (paired ${paired(uber)})`);
    console.log(`${''.padEnd(32)} uber --jobs ${s.profiles} (plain's worker count) ${sec(j)}  − plain ${sec(j - p)}  / plain ${(j / p).toFixed(2)} (paired ${paired(same)})`);
    console.log(`${''.padEnd(32)} plain runs ${plain.map(sec).join(', ')}; uber runs ${uber.map(sec).join(', ')}; uber --jobs ${s.profiles} runs ${same.map(sec).join(', ')}`);
    if (TRACE) {
      const r = spawnSync(process.execPath, uberArgv, { cwd: dir, env: { ...env, UBER_TRACE: '1' }, encoding: 'utf8' });
      const at = r.stderr.indexOf('uber: phase trace');
      console.log(at >= 0 ? r.stderr.slice(at) : r.stderr.slice(-2000));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
