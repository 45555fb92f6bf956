// Injection: ≥1,000 hostile branch, stage and repo names git and uber accept reach the deploy argv verbatim; no shell, no canary.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkRules } from '../../src/config/rules.js';
import { configSchema } from '../../src/config/schema.js';
import type { Ctx } from '../../src/context.js';
import { planPairs } from '../../src/deploy/plan.js';
import { parseTemplate } from '../../src/deploy/template.js';
import { run } from '../../src/exec/run.js';
import { assertBranchName } from '../../src/workspace/sync.js';
import { hostileNames } from './names.js';
import { gitAcceptsBranch } from './refname.js';

const N = Number(process.env.CHAOS_INJECTION_NAMES ?? 1000);
const TEMPLATE = `sls deploy --stage {stage} --aws-profile {profile} --param "branch={branch}" --param 'repo={repo}' x-{branch}-{stage}`;
const DUMP = path.resolve('test/chaos/argv-dump.mjs');

function expectedArgv(v: { stage: string; profile: string; branch: string; repo: string }): string[] {
  return ['sls', 'deploy', '--stage', v.stage, '--aws-profile', v.profile, '--param', `branch=${v.branch}`, '--param', `repo=${v.repo}`, `x-${v.branch}-${v.stage}`];
}

function canariesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).filter((f) => /chaos-canary/.test(f));
}

describe('chaos: injection through names', function () {
  this.timeout(300_000);
  let root: string;
  let canaries: string;
  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'uber-chaos-inj-'));
    canaries = path.join(root, 'cwd');
    mkdirSync(canaries);
  });
  after(() => rmSync(root, { recursive: true, force: true }));
  const ctx = (): Ctx => ({ cwd: root, env: { PATH: process.env.PATH }, stdout: process.stdout, stderr: process.stderr, signal: new AbortController().signal, interactive: false, debug: false });

  it('the bulk filter agrees with uber\'s own validator (git check-ref-format) on a sample', async () => {
    const accepted = hostileNames(12, 7, (i) => `${canaries}/chaos-canary-v${i}`, { slash: true });
    const rejected = ['$(touch X)', 'a;b c', 'x~1', 'a^{}', 'a:b', '`a`?', '*', '[x]', 'a\\b', '$(x)..y', 'x.lock', 'a//b', 'HEAD', '-x', 'a@{1}', '.x', 'a/.b', 'end.', 'end/'];
    const names = [...accepted, ...rejected];
    const verdicts = await Promise.all(names.map((name) => assertBranchName(name, ctx()).then(() => true, () => false)));
    const disagree = names.filter((n, i) => verdicts[i] !== gitAcceptsBranch(n)).map((n) => JSON.stringify(n));
    assert.ok(accepted.every(gitAcceptsBranch) && !rejected.some(gitAcceptsBranch), 'the sample has both kinds');
    assert.deepEqual(disagree, []);
  });

  it(`${N} branch, stage and repo names: template expansion exact, argv received exactly through run(), zero canaries`, async () => {
    const branches = hostileNames(N * 3, 1, (i) => `${canaries}/chaos-canary-b${i}`, { slash: true }).filter(gitAcceptsBranch).slice(0, N);
    const stages = hostileNames(N, 2, (i) => `${canaries}/chaos-canary-s${i}`, { slash: true });
    const repoPool = hostileNames(N * 2, 3, (i) => `chaos-canary-r${i}`, { slash: false });
    const config = configSchema.parse({ repos: repoPool.map((name) => ({ name, url: 'file:///nonexistent' })), deploy: { stage: stages[0] } });
    const badRepo = new Set(checkRules(config, path.join(root, 'ws')).map((p) => p.path));
    const repos = repoPool.filter((_, i) => !badRepo.has(`repos[${i}].name`)).slice(0, N);
    assert.equal(branches.length, N, 'enough branch names git accepts');
    assert.equal(repos.length, N, 'enough repo names uber accepts');
    for (const s of stages) configSchema.parse({ deploy: { stage: s } });

    const words = parseTemplate(TEMPLATE);
    const planned: string[][] = [];
    let exact = 0;
    for (let i = 0; i < N; i += 1) {
      const v = { stage: stages[i]!, branch: branches[i]!, repo: repos[i]!, profile: `ci-${i % 3}` };
      const [pair] = planPairs([{ repo: v.repo, repoDir: root, service: 'services/a' }], [v.profile], words, { stage: v.stage, branch: v.branch });
      if (JSON.stringify(pair?.argv) === JSON.stringify(expectedArgv(v))) exact += 1;
      planned.push([...pair!.argv]);
    }
    assert.equal(exact, N, 'every expansion equals the template filled once, argument by argument');

    let received = 0;
    const batch = 100;
    for (let b = 0; b < N; b += batch) {
      const flat = planned.slice(b, b + batch).flat();
      const dump = path.join(root, `dump-${b}.json`);
      const res = await run([process.execPath, DUMP, ...flat], { cwd: canaries, env: { PATH: process.env.PATH, DUMP_FILE: dump }, timeoutMs: 120_000 });
      assert.equal(res.reason, 'exit', res.output);
      const got = JSON.parse(readFileSync(dump, 'utf8')) as string[];
      for (let k = 0; k < flat.length; k += 11) if (JSON.stringify(got.slice(k, k + 11)) === JSON.stringify(flat.slice(k, k + 11))) received += 1;
    }
    const found = [...canariesIn(root), ...canariesIn(process.cwd()).filter((f) => !f.includes('node_modules'))];
    console.log(`      injection: ${N} branch + ${N} stage + ${N} repo names, ${exact}/${N} expansions exact, ${received}/${N} argv received exactly, ${found.length} canary files`);
    assert.equal(received, N);
    assert.deepEqual(found, []);
  });
});
