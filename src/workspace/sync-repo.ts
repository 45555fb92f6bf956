// Brings one repo onto a branch: clone if missing, else inspect → ask the remote → fetch → switch → fast-forward; never loses work.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Ctx } from '../context.js';
import type { BranchSummary } from 'simple-git';
import { git, gitOk, GitError, repoGit, type GitProgress, type RepoGit } from './git.js';
import { folderKind, gitDirOf, inspectClone, type LocalState } from './inspect.js';
import { ignoredInTheWay, inTheWayReason } from './ignored.js';
import { readRef } from './refs.js';
import { lsRemote, type RemoteHeads } from './remote.js';
import type { WorkspaceRepo } from './repos.js';
import type { SyncOutcome } from './types.js';

export type Step = 'inspect' | 'ls-remote' | 'clone' | 'fetch' | 'switch' | 'fast-forward';
/** A step began, or (with detail) made progress. */
export type OnStep = (s: Step, detail?: string) => void;
type GitCtx = Pick<Ctx, 'env' | 'signal'>;

/** Reports git's progress as the step's detail ("clone: receiving 45% (450/1000)"), each change once. */
function progressOf(s: Step, step: OnStep): (p: GitProgress) => void {
  let last = '';
  return (p) => {
    const detail = `${s}: ${p.stage.replace(/:$/, '')} ${p.percent}% (${p.processed}/${p.total})`; // simple-git names the server's stage "remote:"
    if (detail !== last) step(s, (last = detail));
  };
}

/**
 * `git clone|fetch <options> -- <rest>`. Where git's progress is shown (`progress`: the live rows), through the
 * folder's simple-git client `g`, whose progress events become the step's detail; `--progress` goes before "--",
 * where simple-git would otherwise append it (after "--", git would take it for a folder name). Where nothing shows
 * progress, on exec/run.ts with `--quiet`: a client that reports progress adds `--progress` to every clone and fetch
 * it runs, after "--" when the call has no `--progress` of its own, so a quiet one would break; a second client
 * without progress would cost node ~1.4 ms of CPU to build and ~1.3 ms a call more than run() (see repoGit).
 */
async function transfer(cmd: 'clone' | 'fetch', options: readonly string[], rest: readonly string[], g: RepoGit, cwd: string, ctx: GitCtx, step: OnStep, progress: boolean): Promise<void> {
  if (!progress) {
    await gitOk([cmd, '--quiet', ...options, '--', ...rest], cwd, ctx);
    return;
  }
  const args = [cmd, '--progress', ...options, '--', ...rest];
  await g.call([cmd], (c) => c.raw(args), { onProgress: progressOf(cmd, step) });
}

interface Target {
  readonly name: string;
  readonly fallback: boolean;
  /** The branch's commit on the remote, as ls-remote reported it. */
  readonly commit: string;
}

/** The branch to be on: the requested one when the remote has it, else the default (config `branch`, else remote HEAD). */
function chooseTarget(repo: WorkspaceRepo, branch: string, remote: RemoteHeads): Target | string {
  const wanted = remote.heads.get(branch);
  if (wanted) return { name: branch, fallback: false, commit: wanted };
  const fallback = repo.branch ?? remote.defaultBranch;
  if (!fallback) return `"${branch}" is not on the remote and the remote names no default branch (HEAD); set "branch" for this repo in the config`;
  // a name git reads as an option (`-f...`, `--discard-changes`) never reaches its command line: only a remote's HEAD can name one
  if (fallback.startsWith('-')) return `"${branch}" is not on the remote and its default branch "${fallback}" starts with "-", which git would read as an option; set "branch" for this repo in the config`;
  const commit = remote.heads.get(fallback);
  if (!commit) return `neither "${branch}" nor the default branch "${fallback}" is on the remote`;
  return { name: fallback, fallback: true, commit };
}

/** A full ref's commit read from the ref files; git is asked (simple-git's revparse) only where they cannot say (reftable). */
async function refCommit(dir: string, ref: string, g: RepoGit): Promise<string> {
  const sha = readRef(gitDirOf(dir), ref);
  if (sha) return sha;
  return (await g.call(['rev-parse'], (c) => c.revparse(['--verify', '--end-of-options', `${ref}^{commit}`]))).trim();
}

/** The local branch `name` (simple-git's BranchSummary of `git branch --list`): its commit, or null when there is none. */
async function localBranch(name: string, g: RepoGit): Promise<string | null> {
  const list: BranchSummary = await g.call(['branch'], (c) => c.branch(['--no-abbrev', '--list', '--end-of-options', name]));
  return list.branches[name]?.commit ?? null;
}

async function clone(repo: WorkspaceRepo, branch: string, ctx: GitCtx, step: OnStep, progress: boolean): Promise<SyncOutcome> {
  const parent = path.dirname(repo.dir);
  mkdirSync(parent, { recursive: true });
  step('ls-remote');
  const remote = await lsRemote(repo.url, repo.branch ? [branch, repo.branch] : [branch], parent, ctx);
  const target = chooseTarget(repo, branch, remote);
  const base = { repo: repo.name, dir: repo.dir };
  if (typeof target === 'string') return { ...base, branch: null, fallback: false, commit: null, status: 'failed', reason: target };
  step('clone');
  // A partial clone (blobs fetched on demand); git falls back to a full clone where the remote does not allow filters.
  // On Ctrl-C git removes its half clone.
  await transfer('clone', ['--filter=blob:none', `--branch=${target.name}`], [repo.url, repo.dir], repoGit(parent, ctx, { progress }), parent, ctx, step, progress);
  return { ...base, branch: target.name, fallback: target.fallback, commit: await refCommit(repo.dir, `refs/heads/${target.name}`, repoGit(repo.dir, ctx)), status: 'cloned' };
}

/** How far `local` is ahead of and behind `remote` (`git rev-list --left-right --count`). */
async function relation(local: string, remote: string, dir: string, ctx: GitCtx): Promise<{ ahead: number; behind: number }> {
  const counts = await gitOk(['rev-list', '--left-right', '--count', `${local}...${remote}`, '--'], dir, ctx);
  const [ahead = NaN, behind = NaN] = counts.split(/\s+/).map(Number);
  if (Number.isNaN(ahead) || Number.isNaN(behind)) throw new Error(`unexpected output from git rev-list: ${counts}`);
  return { ahead, behind };
}

const diverged = (name: string, r: { ahead: number; behind: number }): string =>
  `local branch "${name}" has diverged from origin/${name} (${r.ahead} ahead, ${r.behind} behind); merge or rebase it yourself`;

/** Whether a fetch refspec maps refs/heads/<name> to refs/remotes/origin/<name>. */
export function refspecsTrack(refspecs: readonly string[], name: string): boolean {
  const src = `refs/heads/${name}`;
  const dst = `refs/remotes/origin/${name}`;
  return refspecs.some((spec) => {
    const [from = '', to = ''] = spec.replace(/^\+/, '').split(':');
    if (!from.includes('*')) return from === src && to === dst;
    const [fa = '', fb = ''] = from.split('*');
    const [ta = '', tb = ''] = to.split('*');
    if (!src.startsWith(fa) || !src.endsWith(fb) || src.length < fa.length + fb.length) return false;
    return `${ta}${src.slice(fa.length, src.length - fb.length)}${tb}` === dst;
  });
}

/** A single-branch clone (or a narrowed refspec) cannot track a new branch until origin fetches it: add it, as `git remote set-branches --add` does. */
async function ensureTracked(name: string, dir: string, g: RepoGit, ctx: GitCtx): Promise<void> {
  const key = 'remote.origin.fetch';
  // simple-git's getConfig reads the values (NUL-separated, a refspec per value); once per branch new to the clone
  const specs = await g.call(['config', key], async (c) => (await c.getConfig(key)).values).catch((e: unknown) => {
    if (e instanceof GitError && e.exitCode === 1) return []; // git config's "no such key"
    throw e;
  });
  if (refspecsTrack(specs, name)) return;
  await gitOk(['remote', 'set-branches', '--add', 'origin', name], dir, ctx);
}

async function update(repo: WorkspaceRepo, branch: string, ctx: GitCtx, step: OnStep, progress: boolean): Promise<SyncOutcome> {
  const base = { repo: repo.name, dir: repo.dir };
  step('inspect');
  const g = repoGit(repo.dir, ctx, { progress }); // one simple-git client for the repo's calls (see repoGit)
  const state: LocalState = await inspectClone(repo.dir, ctx, g);
  const here = { ...base, branch: state.branch, fallback: false, commit: state.commit };
  if (state.unsafe || !state.commit) return { ...here, status: 'skipped', reason: state.unsafe ?? 'the clone has no commits yet' };
  step('ls-remote');
  const remote = await lsRemote('origin', repo.branch ? [branch, repo.branch] : [branch], repo.dir, ctx);
  const target = chooseTarget(repo, branch, remote);
  if (typeof target === 'string') return { ...here, status: 'failed', reason: target };
  const done = (commit: string, changed: boolean): SyncOutcome => ({ ...base, branch: target.name, fallback: target.fallback, commit, status: changed ? 'updated' : 'unchanged' });
  const onTarget = state.branch === target.name;
  const trackingRef = `refs/remotes/origin/${target.name}`;
  // Already at the remote's tip, and origin/<branch> says so too: nothing to fetch.
  if (onTarget && state.commit === target.commit && readRef(state.gitDir, trackingRef) === target.commit) return done(state.commit, false);

  step('fetch');
  // Fetch the one branch by name: also works for single-branch clones and custom refspecs.
  await transfer('fetch', ['--no-tags'], ['origin', `+refs/heads/${target.name}:${trackingRef}`], g, repo.dir, ctx, step, progress);

  if (onTarget) {
    if (state.hasIgnored) {
      const inTheWay = await ignoredInTheWay(repo.dir, 'HEAD', trackingRef, ctx);
      if (inTheWay.length > 0) return { ...here, status: 'skipped', reason: inTheWayReason(inTheWay, target.name) };
    }
    step('fast-forward');
    // --ff-only is itself the check: behind → fast-forward; level or ahead → nothing; diverged → refused, nothing touched.
    const merge = await git(['merge', '--quiet', '--ff-only', '--no-edit', trackingRef], repo.dir, ctx);
    if (!merge.ok) {
      const r = merge.cancelled ? undefined : await relation('HEAD', trackingRef, repo.dir, ctx);
      if (r && r.ahead > 0 && r.behind > 0) return { ...here, status: 'skipped', reason: diverged(target.name, r) };
      throw new GitError(['merge'], merge, ctx.env);
    }
    const now = await refCommit(repo.dir, `refs/heads/${target.name}`, g);
    return done(now, now !== state.commit);
  }

  const local = await localBranch(target.name, g);
  let forward: string | null = null; // the commit to move an existing, behind local branch to
  if (local) {
    const r = await relation(local, trackingRef, repo.dir, ctx);
    if (r.ahead > 0 && r.behind > 0) return { ...here, status: 'skipped', reason: diverged(target.name, r) };
    if (r.behind > 0) forward = await refCommit(repo.dir, trackingRef, g);
  }
  const inTheWay = state.hasIgnored ? await ignoredInTheWay(repo.dir, 'HEAD', forward ?? local ?? trackingRef, ctx) : [];
  if (inTheWay.length > 0) return { ...here, status: 'skipped', reason: inTheWayReason(inTheWay, target.name) };
  // Not checked out: move the branch forward only if it still points where we read it.
  if (local && forward) await gitOk(['update-ref', '-m', 'uber sync: fast-forward', `refs/heads/${target.name}`, forward, local], repo.dir, ctx);
  step('switch');
  if (!local) await ensureTracked(target.name, repo.dir, g, ctx);
  const args = local
    ? ['switch', '--quiet', '--no-guess', target.name]
    : ['switch', '--quiet', '--no-guess', '--track', '-c', target.name, trackingRef];
  await gitOk(args, repo.dir, ctx);
  return done(await refCommit(repo.dir, `refs/heads/${target.name}`, g), true);
}

/** Syncs one repo; a git failure becomes a `failed` outcome with git's own message. `progress`: report git's progress of a clone or fetch to `step`. */
export async function syncRepo(repo: WorkspaceRepo, branch: string, ctx: GitCtx, step: OnStep = () => undefined, progress = false): Promise<SyncOutcome> {
  const base = { repo: repo.name, dir: repo.dir, branch: null, fallback: false, commit: null };
  try {
    const kind = folderKind(repo.dir);
    if (kind === 'other') return { ...base, status: 'skipped', reason: `${repo.dir} exists but is not a git clone; move it away or remove it` };
    return kind === 'missing' ? await clone(repo, branch, ctx, step, progress) : await update(repo, branch, ctx, step, progress);
  } catch (e) {
    if (e instanceof GitError) return { ...base, ...(await where(repo, ctx)), status: 'failed', reason: e.message };
    throw e;
  }
}

/**
 * Best-effort branch and commit of a clone (after a failure, or one left alone), for the table: simple-git's
 * BranchSummary of the branches at HEAD, whose `current` is the checked-out one (or, `detached`, HEAD itself).
 */
export async function where(repo: WorkspaceRepo, ctx: GitCtx): Promise<{ branch: string | null; commit: string | null }> {
  if (folderKind(repo.dir) !== 'clone' || ctx.signal.aborted) return { branch: null, commit: null };
  try {
    const at: BranchSummary = await repoGit(repo.dir, ctx).call(['branch'], (c) => c.branch(['--no-abbrev', '--points-at', 'HEAD']));
    return { branch: at.detached || !at.current ? null : at.current, commit: at.branches[at.current]?.commit ?? null };
  } catch (e) {
    if (e instanceof GitError) return { branch: null, commit: null }; // no commits yet, or not readable
    throw e;
  }
}
