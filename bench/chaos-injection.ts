// Injection, long version: N hostile branch, stage and repo names through uber's template and run(); counts canary files.
// Usage: npx tsx bench/chaos-injection.ts [names=20000] [seed=1]
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkInjection } from '../test/chaos/injection-run.js';

const [n = 20000, seed = 1] = process.argv.slice(2).map(Number);
const root = mkdtempSync(path.join(os.tmpdir(), 'uber-chaos-inj-'));
const cwd = path.join(root, 'cwd');
mkdirSync(cwd);
try {
  const t0 = performance.now();
  const f = await checkInjection(n, root, cwd, seed);
  console.log(`injection: ${n} branch + ${n} stage + ${n} repo names (seed ${seed}), ${f.exact}/${n} expansions exact, ${f.received}/${n} argv received exactly through run(), ${f.canaries.length} canary files, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  process.exitCode = f.exact === n && f.received === n && f.canaries.length === 0 ? 0 : 1;
} finally {
  rmSync(root, { recursive: true, force: true });
}
