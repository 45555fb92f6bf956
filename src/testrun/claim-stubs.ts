// Claim stubs for `uber test --queue`: the spec files a machine's mocha is given instead of the real ones.
//
// A claim stub, when a worker loads it, takes the next unit of the shared queue and loads that unit's spec (as a
// split file's unit file does, src/testrun/units.ts); a held stub loads a unit the machine already took over.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Claim } from '../queue/store.js';
import { unitLabel } from './units.js';

/** The queue's worker side, beside this module (dist/ as .js, src/ as .ts under tsx). */
function workerModule(): string {
  const self = new URL(import.meta.url);
  return new URL(`../queue/worker${path.extname(self.pathname)}`, self).href;
}

function arg(file: string, testCwd: string): string {
  return path.relative(testCwd, file).replaceAll('\\', '/');
}

/** `count` claim stubs in `dir`; what mocha is given for each (relative to the test cwd), in queue order. */
export function writeClaimStubs(count: number, testCwd: string, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const body =
    `// uber: a claim stub, generated for one run: takes the next unit of the shared queue and loads only its tests\n` +
    `import { claimAndLoad } from ${JSON.stringify(workerModule())};\nawait claimAndLoad(import.meta.url);\n`;
  return Array.from({ length: count }, (_, k) => {
    const file = path.join(dir, `claim-${String(k).padStart(5, '0')}.mjs`);
    writeFileSync(file, body);
    return arg(file, testCwd);
  });
}

/** A stub for a unit this machine holds; `file` given: rewrites that stub (a crashed one run again keeps its name). */
export function writeHeldStub(claim: Claim, testCwd: string, dir: string, file?: string): string {
  mkdirSync(dir, { recursive: true });
  const target = file ? path.resolve(testCwd, file) : path.join(dir, `held-${String(claim.n).padStart(5, '0')}-t${claim.token}.mjs`);
  const what = claim.item.unit ? `unit ${unitLabel(claim.item.unit)} of ${claim.item.file}` : claim.item.file;
  writeFileSync(
    target,
    `// uber: ${what} (queue unit ${claim.n}, token ${claim.token}), held by this machine: loads only its tests\n` +
      `import { loadHeld } from ${JSON.stringify(workerModule())};\nawait loadHeld(import.meta.url, ${JSON.stringify(claim)});\n`,
  );
  return arg(target, testCwd);
}
