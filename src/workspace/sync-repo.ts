// Brings one repo onto a branch: clone if missing, else inspect → ask the remote → fetch → switch → fast-forward; never loses work.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Ctx } from '../context.js';
import { git, gitOk, GitError } from './git.js';
import { folderKind, inspectClone } from './inspect.js';
import { lsRemote, type RemoteHeads } from './remote.js';
import type { WorkspaceRepo } from './repos.js';
import type { SyncOutcome } from './types.js';

export type Step = 'inspect' | 'ls-remote' | 'clone' | 'fetch' | 'switch' | 'fast-forward';
type GitCtx = Pick<Ctx, 'env' | 'signal'>;

interface Target {
  readonly name: string;
  readonly fallback: boolean;
}

/** The branch to be on: the requested one when the remote has it, else the default (config `branch`, else remote HEAD). */
function chooseTarget(repo: WorkspaceRepo, branch: string, remote: RemoteHeads): Target | string {
  if (remote.heads.has(branch)) return { name: branch, fallback: false };
  const fallback = repo.branch ?? remote.defaultBranch;
  if (!fallback) return `"${branch}" is not on the remote and the remote names no default branch (HEAD); set "branch" for this repo in the config`;
  if (repo.branch && !remote.heads.has(repo.branch)) return `neither "${branch}" nor the configured default branch "${repo.branch}" is on the remote`;
  return { name: fallback, fallback: true };
}

async function clone(repo: WorkspaceRepo, branch: string, ctx: GitCtx, step: (s: Step) => void): Promise<SyncOutcome> {
  const parent = path.dirname(repo.dir);
  mkdirSync(parent, { recursive: true });
  step('ls-remote');
  const remote = await lsRemote(repo.url, repo.branch ? [branch, repo.branch] : [branch], parent, ctx);
  const target = chooseTarget(repo, branch, remote);
  const base = { repo: repo.name, dir: repo.dir };
  if (typeof target === 'string') return { ...base, branch: null, fallback: false, commit: null, status: 'failed', reason: target };
  step('clone');
  // A partial clone (blobs fetched on demand); git falls back to a full clone where the remote does not allow filters.
  await gitOk(['clone', '--quiet', '--filter=blob:none', `--branch=${target.name}`, '--', repo.url, repo.dir], parent, ctx);
  const commit = (await gitOk(['rev-parse', 'HEAD'], repo.dir, ctx)).trim();
  return { ...base, branch: target.name, fallback: target.fallback, commit, status: 'cloned' };
}

/** Local and remote-tracking commits of a branch, read in one call. */
async function refsOf(name: string, dir: string, ctx: GitCtx): Promise<{ local?: string; tracking?: string }> {
  const local = `refs/heads/${name}`;
  const tracking = `refs/remotes/origin/${name}`;
  const out = await gitOk(['for-each-ref', '--format=%(objectname) %(refname)', local, tracking], dir, ctx);
  const found: { local?: string; tracking?: string } = {};
  for (const line of out.split('\n')) {
    const i = line.indexOf(' ');
    const [sha, ref] = [line.slice(0, i), line.slice(i + 1)];
    if (ref === local) found.local = sha;
    if (ref === tracking) found.tracking = sha;
  }
  return found;
}

async function update(repo: WorkspaceRepo, branch: string, ctx: GitCtx, step: (s: Step) => void): Promise<SyncOutcome> {
  const base = { repo: repo.name, dir: repo.dir };
  step('inspect');
  const state = await inspectClone(repo.dir, ctx);
  const here = { ...base, branch: state.branch, fallback: false, commit: state.commit };
  if (state.unsafe) return { ...here, status: 'skipped', reason: state.unsafe };
  step('ls-remote');
  const remote = await lsRemote('origin', repo.branch ? [branch, repo.branch] : [branch], repo.dir, ctx);
  const target = chooseTarget(repo, branch, remote);
  if (typeof target === 'string') return { ...here, status: 'failed', reason: target };
  step('fetch');
  await gitOk(['fetch', '--quiet', '--prune', 'origin'], repo.dir, ctx);
  let refs = await refsOf(target.name, repo.dir, ctx);
  if (!refs.tracking) {
    // A single-branch clone or a custom refspec does not track this branch: fetch it by name.
    await gitOk(['fetch', '--quiet', 'origin', `+refs/heads/${target.name}:refs/remotes/origin/${target.name}`], repo.dir, ctx);
    refs = await refsOf(target.name, repo.dir, ctx);
  }
  const tracking = refs.tracking;
  if (!tracking) return { ...here, status: 'failed', reason: `"${target.name}" disappeared from the remote while syncing; run uber sync again` };
  const onTarget = state.branch === target.name;
  let final = refs.local ?? tracking;
  let needMerge = false;
  if (refs.local && refs.local !== tracking) {
    const counts = await gitOk(['rev-list', '--left-right', '--count', `${refs.local}...${tracking}`], repo.dir, ctx);
    const [ahead = 0, behind = 0] = counts.split(/\s+/).map(Number);
    if (ahead > 0 && behind > 0) {
      return { ...here, status: 'skipped', reason: `local branch "${target.name}" has diverged from origin/${target.name} (${ahead} ahead, ${behind} behind); merge or rebase it yourself` };
    }
    if (behind > 0) {
      final = tracking;
      if (onTarget) needMerge = true;
      // Not checked out: move the branch ref forward only if it still points where we read it.
      else await gitOk(['update-ref', '-m', 'uber sync: fast-forward', `refs/heads/${target.name}`, tracking, refs.local], repo.dir, ctx);
    }
  }
  if (!onTarget) {
    step('switch');
    const args = refs.local
      ? ['switch', '--quiet', '--no-guess', target.name]
      : ['switch', '--quiet', '--no-guess', '--track', '-c', target.name, `refs/remotes/origin/${target.name}`];
    await gitOk(args, repo.dir, ctx);
  }
  if (needMerge) {
    step('fast-forward');
    await gitOk(['merge', '--quiet', '--ff-only', '--no-edit', tracking], repo.dir, ctx);
  }
  const changed = !onTarget || final !== state.commit;
  return { ...base, branch: target.name, fallback: target.fallback, commit: final, status: changed ? 'updated' : 'unchanged' };
}

/** Syncs one repo; a git failure becomes a `failed` outcome with git's own message. */
export async function syncRepo(repo: WorkspaceRepo, branch: string, ctx: GitCtx, step: (s: Step) => void = () => undefined): Promise<SyncOutcome> {
  const base = { repo: repo.name, dir: repo.dir, branch: null, fallback: false, commit: null };
  try {
    const kind = folderKind(repo.dir);
    if (kind === 'other') return { ...base, status: 'skipped', reason: `${repo.dir} exists but is not a git clone; move it away or remove it` };
    return kind === 'missing' ? await clone(repo, branch, ctx, step) : await update(repo, branch, ctx, step);
  } catch (e) {
    if (e instanceof GitError) return { ...base, ...(await where(repo, ctx)), status: 'failed', reason: e.message };
    throw e;
  }
}

/** Best-effort branch and commit of a clone after a failure, for the table. */
async function where(repo: WorkspaceRepo, ctx: GitCtx): Promise<{ branch: string | null; commit: string | null }> {
  if (folderKind(repo.dir) !== 'clone' || ctx.signal.aborted) return { branch: null, commit: null };
  const res = await git(['rev-parse', 'HEAD', '--symbolic-full-name', 'HEAD'], repo.dir, ctx);
  if (!res.ok) return { branch: null, commit: null };
  const [commit = null, ref = ''] = res.out.split('\n');
  return { branch: ref.startsWith('refs/heads/') ? ref.slice(11) : null, commit };
}
