// Branch names are checked by git itself (`git check-ref-format --branch`) before anything runs.
import os from 'node:os';
import type { Ctx } from '../context.js';
import { UsageError } from '../errors.js';
import { git } from './git.js';

/** Throws UsageError (exit 2) for a name `git check-ref-format --branch` rejects. */
export async function assertBranchName(name: string, ctx: Ctx): Promise<void> {
  const shown = JSON.stringify(name);
  const bad = (why: string): UsageError =>
    new UsageError('ERR_UBER_BAD_BRANCH', `Branch name ${shown} is not valid (${why}); pass a name git accepts, e.g. feat/login.`);
  if (name.length === 0 || name.startsWith('-')) throw bad('git rejects it');
  if (/[\0\r\n]/.test(name)) throw bad('it contains a control character');
  // Outside any repo, so "@{-1}" style shorthands cannot expand to some other branch. On run(), not simple-git: it has
  // no result for check-ref-format (raw() would hand back the same line), and a client built for this one call outside
  // any repo costs node ~2.7 ms of CPU more than run() (see repoGit in git.ts).
  const res = await git(['check-ref-format', '--branch', name], os.tmpdir(), ctx);
  if (res.cancelled) return;
  if (!res.ok || res.out !== name) throw bad('git check-ref-format rejects it');
}
