// One repo as git sees it at the commit being deployed: HEAD, its root tree, the dirty paths, and hashes of any path.
import type { Ctx } from '../context.js';
import { git } from '../workspace/git.js';

export interface TreeEntry {
  readonly path: string;
  readonly mode: string;
  readonly type: string;
  readonly hash: string;
}

export interface RepoSnapshot {
  readonly dir: string;
  readonly commit: string;
  /** Hash of the commit's root tree. */
  readonly root: string;
  /** Paths that differ from the commit in the work tree or index, untracked files included (ignored ones not); null: too many to list. */
  readonly dirty: readonly string[] | null;
}

export type SnapshotResult = ({ readonly ok: true } & RepoSnapshot) | { readonly ok: false; readonly dir: string; readonly reason: string };

type GitCtx = Pick<Ctx, 'env' | 'signal'>;
const TOO_MUCH = 1 << 19; // git output is kept up to 1 MiB: past half of that, do not trust a list to be whole

/** Parses `git ls-tree -z` output: "<mode> <type> <hash>\t<path>\0". */
export function parseLsTree(raw: string): TreeEntry[] {
  const out: TreeEntry[] = [];
  for (const rec of raw.split('\0')) {
    const tab = rec.indexOf('\t');
    if (tab < 0) continue;
    const [mode, type, hash] = rec.slice(0, tab).trim().split(' ');
    if (mode && type && hash) out.push({ path: rec.slice(tab + 1), mode, type, hash });
  }
  return out;
}

/** Parses `git status --porcelain -z`: "XY path\0", renames and copies followed by "orig\0". */
export function parseStatus(raw: string): string[] {
  const out: string[] = [];
  const recs = raw.split('\0');
  for (let i = 0; i < recs.length; i += 1) {
    const rec = recs[i]!;
    if (rec.length < 4) continue;
    out.push(rec.slice(3).replace(/\/$/, ''));
    if (rec[0] === 'R' || rec[0] === 'C') out.push(recs[++i] ?? '');
  }
  return out.filter(Boolean);
}

/** Reads HEAD, its tree and the dirty paths at once; a folder that is not a git work tree gives ok: false and why. */
export async function snapshotRepo(dir: string, ctx: GitCtx): Promise<SnapshotResult> {
  const [head, status] = await Promise.all([
    git(['rev-parse', 'HEAD', 'HEAD^{tree}'], dir, ctx),
    git(['status', '--porcelain=v1', '-z', '--untracked-files=all'], dir, ctx),
  ]);
  const [commit, root] = head.ok ? head.out.split('\n') : [];
  if (!commit || !root || !status.ok) return { ok: false, dir, reason: 'not a git work tree with a commit' };
  return { ok: true, dir, commit, root, dirty: status.raw.length > TOO_MUCH ? null : parseStatus(status.raw) };
}

/** The entries of one folder at the commit ("" for the root), one level deep. */
export async function listFolder(s: RepoSnapshot, folder: string, ctx: GitCtx): Promise<TreeEntry[]> {
  const args = ['ls-tree', '-z', '--full-tree', s.commit, ...(folder === '' ? [] : ['--', `${folder}/`])];
  const res = await git(args, s.dir, ctx);
  if (!res.ok) throw new Error(`git ls-tree ${folder || '.'} failed in ${s.dir}: ${res.out}`);
  if (res.raw.length > TOO_MUCH) throw new Error(`${folder || 'the root'} of ${s.dir} has too many entries to fingerprint`);
  return parseLsTree(res.raw);
}

/** Hash of each path at the commit (tree or blob), or null where the commit has no such path. */
export async function hashPaths(s: RepoSnapshot, paths: readonly string[], ctx: GitCtx): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  await Promise.all(
    [...new Set(paths)].map(async (p) => {
      if (p === '') return void out.set(p, s.root);
      const res = await git(['rev-parse', '--verify', '-q', `${s.commit}:${p}`], s.dir, ctx);
      out.set(p, res.ok ? res.out : null);
    }),
  );
  return out;
}
