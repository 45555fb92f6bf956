// Reads an existing clone's state in one `git status` (simple-git's StatusResult) and says why it must be left alone (work in progress, detached, local changes).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { StatusResult } from 'simple-git';
import type { Ctx } from '../context.js';
import { GitError, repoGit, type RepoGit } from './git.js';
import { readHead } from './refs.js';

export interface LocalState {
  readonly gitDir: string;
  /** Current branch name, or null when HEAD is detached. */
  readonly branch: string | null;
  /** HEAD sha, or null in a clone without commits. */
  readonly commit: string | null;
  /** Ignored files or folders are present (a checkout could overwrite them). */
  readonly hasIgnored: boolean;
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

/** The clone's git dir: `.git` itself, or where a `.git` file (worktree, submodule) points. */
export function gitDirOf(dir: string): string {
  const dotGit = path.join(dir, '.git');
  if (statSync(dotGit).isDirectory()) return dotGit;
  const m = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, 'utf8'));
  return m?.[1] ? path.resolve(dir, m[1]) : dotGit;
}

/** HEAD's commit as git says it; null in a clone without commits (`rev-parse --verify --quiet` fails without a word). */
async function headFromGit(g: RepoGit): Promise<string | null> {
  try {
    return (await g.call(['rev-parse'], (c) => c.revparse(['--verify', '--quiet', 'HEAD^{commit}']))) || null;
  } catch (e) {
    if (e instanceof GitError && !e.cancelled && e.exitCode === 1) return null;
    throw e;
  }
}

/**
 * Inspects a clone without changing it (no index refresh, no fetch): one git process, simple-git's status(), whose
 * StatusResult says the branch (`current`, `detached`), the changed and untracked files (`files`, `not_added`) and the
 * ignored ones (`ignored`, with `--ignored`). HEAD's commit comes from the ref files (refs.ts); git is asked only where
 * they cannot say (a clone without commits). Throws GitError when git cannot read the clone.
 */
export async function inspectClone(dir: string, ctx: Pick<Ctx, 'env' | 'signal'>, g: RepoGit = repoGit(dir, ctx)): Promise<LocalState> {
  const gitDir = gitDirOf(dir);
  // simple-git asks for `-u` (every untracked file, walking each untracked folder): `normal` names the folder alone
  const s: StatusResult = await g.call(['status'], (c) => c.status(['--untracked-files=normal', '--ignored=traditional', '--ignore-submodules=none']));
  const branch = s.detached ? null : s.current;
  const commit = readHead(gitDir, branch) ?? (await headFromGit(g));
  const untracked = s.not_added.length;
  const changed = s.files.length - untracked;
  const base = { gitDir, branch, commit, hasIgnored: (s.ignored?.length ?? 0) > 0 };
  for (const [marker, why] of IN_PROGRESS) {
    if (existsSync(path.join(gitDir, marker))) return { ...base, unsafe: `${why}; finish or abort it first` };
  }
  if (branch === null) return { ...base, unsafe: 'HEAD is detached; check out a branch first' };
  if (commit === null) return { ...base, unsafe: 'the clone has no commits yet; remove the folder or commit first' };
  if (changed + untracked > 0) {
    const parts = [
      changed ? `${changed} changed file${changed > 1 ? 's' : ''}` : '',
      untracked ? `${untracked} untracked file${untracked > 1 ? 's' : ''}` : '',
    ].filter(Boolean);
    return { ...base, unsafe: `local changes (${parts.join(', ')}); commit or stash them first` };
  }
  return base;
}
