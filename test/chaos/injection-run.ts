// The injection check, shared by the suite and bench/chaos-injection.ts: N hostile names → template expansion → argv through run().
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { checkRules } from '../../src/config/rules.js';
import { configSchema } from '../../src/config/schema.js';
import { planPairs } from '../../src/deploy/plan.js';
import { parseTemplate } from '../../src/deploy/template.js';
import { run } from '../../src/exec/run.js';
import { hostileNames } from './names.js';
import { gitAcceptsBranch } from './refname.js';

export const TEMPLATE = `sls deploy --stage {stage} --aws-profile {profile} --param "branch={branch}" --param 'repo={repo}' x-{branch}-{stage}`;
const DUMP = path.resolve(import.meta.dirname, 'argv-dump.mjs');
const WORDS = 11;

export interface InjectionFigures {
  readonly names: number;
  readonly exact: number;
  readonly received: number;
  readonly canaries: string[];
}

function expectedArgv(v: { stage: string; profile: string; branch: string; repo: string }): string[] {
  return ['sls', 'deploy', '--stage', v.stage, '--aws-profile', v.profile, '--param', `branch=${v.branch}`, '--param', `repo=${v.repo}`, `x-${v.branch}-${v.stage}`];
}

/** Files named like a canary anywhere under dir. */
export function canariesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).filter((f) => /^chaos-canary-[a-z]?\d+$/.test(path.basename(f)));
}

/** Generates n names of each kind (accepted by git / uber's rules), expands them, and sends every argv through run(). */
export async function checkInjection(n: number, root: string, cwd: string, seed = 1): Promise<InjectionFigures> {
  const branches = hostileNames(n * 3, seed, (i) => `${cwd}/chaos-canary-b${i}`, { slash: true }).filter(gitAcceptsBranch).slice(0, n);
  const stages = hostileNames(n, seed + 1, (i) => `${cwd}/chaos-canary-s${i}`, { slash: true });
  const repoPool = hostileNames(n * 2, seed + 2, (i) => `chaos-canary-r${i}`, { slash: false });
  const config = configSchema.parse({ repos: repoPool.map((name) => ({ name, url: 'file:///nonexistent' })) });
  const badRepo = new Set(checkRules(config, path.join(root, 'ws')).map((p) => p.path));
  const repos = repoPool.filter((_, i) => !badRepo.has(`repos[${i}].name`)).slice(0, n);
  if (branches.length < n || repos.length < n) throw new Error(`only ${branches.length} branch and ${repos.length} repo names survived the filters`);
  for (const s of stages) configSchema.parse({ deploy: { stage: s } });

  const words = parseTemplate(TEMPLATE);
  const planned: string[][] = [];
  let exact = 0;
  for (let i = 0; i < n; i += 1) {
    const v = { stage: stages[i]!, branch: branches[i]!, repo: repos[i]!, profile: `ci-${i % 3}` };
    const [pair] = planPairs([{ repo: v.repo, repoDir: root, service: 'services/a' }], [v.profile], words, { stage: v.stage, branch: v.branch });
    if (JSON.stringify(pair?.argv) === JSON.stringify(expectedArgv(v))) exact += 1;
    planned.push([...pair!.argv]);
  }
  let received = 0;
  const batch = 100;
  for (let b = 0; b < n; b += batch) {
    const flat = planned.slice(b, b + batch).flat();
    const dump = path.join(root, `dump-${b}.json`);
    const res = await run([process.execPath, DUMP, ...flat], { cwd, env: { PATH: process.env.PATH, DUMP_FILE: dump }, timeoutMs: 120_000 });
    if (res.reason !== 'exit') throw new Error(`argv dump ended by ${res.reason}: ${res.output}`);
    const got = JSON.parse(readFileSync(dump, 'utf8')) as string[];
    for (let k = 0; k < flat.length; k += WORDS) if (JSON.stringify(got.slice(k, k + WORDS)) === JSON.stringify(flat.slice(k, k + WORDS))) received += 1;
  }
  return { names: n, exact, received, canaries: canariesIn(root) };
}
