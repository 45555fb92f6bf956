// Branch names: git decides what is valid; rejected names are usage errors, accepted ones are never shell-interpreted.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { Ctx } from '../../src/context.js';
import { UsageError } from '../../src/errors.js';
import { assertBranchName } from '../../src/workspace/sync.js';
import { isolatedGitEnv } from './fixture.js';

describe('workspace/branch', () => {
  let home: string;
  let ctx: Ctx;
  before(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'uber-branch-'));
    ctx = { cwd: home, env: isolatedGitEnv(home), stdout: new PassThrough(), stderr: new PassThrough(), signal: new AbortController().signal, interactive: false, debug: false };
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  it('accepts what git accepts, including names full of shell syntax', async () => {
    for (const name of ['feat-x', 'feat/login', 'release-1.2', 'zzz";echo${IFS}"hi";#', 'x$(touch${IFS}PWNED)', 'y`touch${IFS}PWNED`', '@']) {
      await assertBranchName(name, ctx);
    }
    for (const dir of [home, os.tmpdir(), process.cwd()]) assert.equal(existsSync(path.join(dir, 'PWNED')), false, dir);
  });

  it('rejects what git rejects with a one-sentence usage error', async () => {
    for (const name of ['', 'a..b', '-x', '--help', 'HEAD', 'x y', 'x~1', 'x^', 'x:y', 'x?', 'x*', 'x[', 'x\\y', 'x.lock', 'x/', '/x', '.x', 'x@{1}', '@{-1}', 'a\nb', 'a\0b']) {
      await assert.rejects(assertBranchName(name, ctx), (e: unknown) => {
        assert.ok(e instanceof UsageError, `${JSON.stringify(name)} was accepted`);
        assert.equal(e.code, 'ERR_UBER_BAD_BRANCH');
        assert.match(e.message, /^Branch name .* is not valid \(.*\); pass a name git accepts, e\.g\. feat\/login\.$/);
        assert.doesNotMatch(e.message, /\n/);
        return true;
      });
    }
  });
});
