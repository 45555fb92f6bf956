// Reads an existing clone's state and says why it must be left alone (work in progress, detached, local changes).
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { Ctx } from '../context.js';
import { git, GitError } from './git.js';

export interface LocalState {
  readonly gitDir: string;
  /** Current branch name, or null when HEAD is detached. */
  readonly branch: string | null;
  readonly commit: string;
  /** Why sync must not touch this clone; undefined when it is safe. */
  readonly unsafe?: string | undefined;
}

/** Operations that leave a repo mid-way; their marker files live in the git dir. */
const IN_PROGRESS: ReadonlyArray<readonly [string, string]> = [
  ['rebase-merge', 'a rebase is in progress'],
  ['rebase-apply', 'a rebase or am is in progress'],
  ['MERGE_HEAD', 'a merge is in progress'],
  ['CHERRY_PICK_HEAD', 'a cherry-pick is in progress'],
  ['REVERT_HEAD', 'a revert is in progress'],
  ['BISECT_LOG', 'a bisect is in progress'],
];

/** What is in the folder: nothing or an empty folder (clone it), a clone, or something else. */
export function folderKind(dir: string): 'missing' | 'clone' | 'other' {
  if (!existsSync(dir)) return 'missing';
  if (existsSync(path.join(dir, '.git'))) return 'clone';
  try {
    return readdirSync(dir).length === 0 ? 'missing' : 'other'; // git clones into an empty folder
  } catch {
    return 'other';
  }
}

function samePath(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/** Inspects a clone without changing it (no index refresh, no fetch). Throws GitError when git cannot read it. */
export async function inspectClone(dir: string, ctx: Pick<Ctx, 'env' | 'signal'>): Promise<LocalState> {
  const args = ['rev-parse', '--show-toplevel', '--absolute-git-dir', 'HEAD', '--symbolic-full-name', 'HEAD'];
  const head = await git(args, dir, ctx);
  if (!head.ok) throw new GitError(args, head, ctx.env);
  const [top = '', gitDir = '', commit = '', ref = ''] = head.out.split('\n').map((l) => l.trim());
  const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null;
  const base = { gitDir, branch, commit };
  if (!samePath(top, dir)) return { ...base, unsafe: `the folder belongs to the repository at ${top}, not a clone of its own` };
  for (const [marker, why] of IN_PROGRESS) {
    if (existsSync(path.join(gitDir, marker))) return { ...base, unsafe: `${why}; finish or abort it first` };
  }
  if (branch === null) return { ...base, unsafe: 'HEAD is detached; check out a branch first' };
  const statusArgs = ['--no-optional-locks', 'status', '--porcelain=v1', '-z', '--untracked-files=normal', '--ignore-submodules=none'];
  const status = await git(statusArgs, dir, ctx);
  if (!status.ok) throw new GitError(statusArgs, status, ctx.env);
  const entries = status.raw.split('\0').filter(Boolean);
  const untracked = entries.filter((e) => e.startsWith('?? ')).length;
  const changed = entries.filter((e) => /^[ MADRCUT?!]{2} /.test(e) && !e.startsWith('?? ')).length;
  if (entries.length > 0) {
    const parts = [changed ? `${changed} changed file${changed > 1 ? 's' : ''}` : '', untracked ? `${untracked} untracked file${untracked > 1 ? 's' : ''}` : ''].filter(Boolean);
    return { ...base, unsafe: `local changes (${parts.join(', ') || 'see git status'}); commit or stash them first` };
  }
  return base;
}
