// Injection: ≥1,000 hostile branch, stage and repo names git and uber accept reach the deploy argv verbatim; no shell, no canary.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Ctx } from '../../src/context.js';
import { assertBranchName } from '../../src/workspace/sync.js';
import { checkInjection } from './injection-run.js';
import { hostileNames } from './names.js';
import { gitAcceptsBranch } from './refname.js';

const N = Number(process.env.CHAOS_INJECTION_NAMES ?? 1000);

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
    const f = await checkInjection(N, root, canaries);
    const found = [...f.canaries, ...readdirSync(process.cwd()).filter((n) => n.startsWith('chaos-canary'))];
    console.log(`      injection: ${N} branch + ${N} stage + ${N} repo names, ${f.exact}/${N} expansions exact, ${f.received}/${N} argv received exactly, ${found.length} canary files`);
    assert.equal(f.exact, N, 'every expansion equals the template filled once, argument by argument');
    assert.equal(f.received, N);
    assert.deepEqual(found, []);
  });
});
