// A small mocha suite for `uber test` chaos runs: N spec files of M tests that each sleep while holding a lease.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChaosProject } from './project.js';

/** Writes tests/test/f<i>.spec.mjs and points the project's config at them. Each test appends its profile to profiles.log. */
export function writeSuite(p: ChaosProject, files: number, tests: number, sleepMs: number): string {
  const dir = path.join(p.dir, 'tests');
  mkdirSync(path.join(dir, 'test'), { recursive: true });
  const log = path.join(p.root, 'profiles.log');
  for (let f = 0; f < files; f += 1) {
    const body = Array.from({ length: tests }, (_, t) => `  it('t${t}', async () => { appendFileSync(${JSON.stringify(log)}, process.env.AWS_PROFILE + '\\n'); await new Promise((r) => setTimeout(r, ${sleepMs})); });`).join('\n');
    writeFileSync(path.join(dir, 'test', `f${f}.spec.mjs`), `import { appendFileSync } from 'node:fs';\ndescribe('file ${f}', () => {\n${body}\n});\n`);
  }
  const cfgFile = path.join(p.dir, 'uber.config.yaml');
  const cfg = JSON.parse(readFileSync(cfgFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(cfgFile, JSON.stringify({ ...cfg, test: { cwd: './tests', spec: ['test/**/*.spec.mjs'], leaseTimeout: 60 } }));
  return log;
}
