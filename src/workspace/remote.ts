// Asks the remote itself (`git ls-remote --symref`) which branches exist and where its HEAD points: no guessing from stale refs.
import type { Ctx } from '../context.js';
import { gitOk } from './git.js';

export interface RemoteHeads {
  /** Branch name → commit, for the branches asked about that exist on the remote. */
  readonly heads: ReadonlyMap<string, string>;
  /** The branch the remote's HEAD points at, when it says so. */
  readonly defaultBranch: string | null;
  /** The commit of the remote's HEAD. */
  readonly headCommit: string | null;
}

/** Parses `git ls-remote --symref` output. */
export function parseLsRemote(text: string): RemoteHeads {
  const heads = new Map<string, string>();
  let defaultBranch: string | null = null;
  let headCommit: string | null = null;
  for (const line of text.split('\n')) {
    const sym = /^ref: refs\/heads\/(.+)\tHEAD$/.exec(line);
    if (sym?.[1]) {
      defaultBranch = sym[1];
      continue;
    }
    const head = /^([0-9a-f]{40,64})\tHEAD$/.exec(line);
    if (head?.[1]) headCommit = head[1];
    const ref = /^([0-9a-f]{40,64})\trefs\/heads\/(.+)$/.exec(line);
    if (ref?.[1] && ref[2]) heads.set(ref[2], ref[1]);
  }
  if (defaultBranch && headCommit && !heads.has(defaultBranch)) heads.set(defaultBranch, headCommit);
  return { heads, defaultBranch, headCommit };
}

/**
 * Lists the remote's HEAD and the given branches. On exec/run.ts, not simple-git: its listRemote returns git's raw
 * text and getRemotes reads the clone's configured remotes (`git remote -v`), not the branches on the server, so the
 * parser above stays ours either way and moving the call would replace no plumbing, only cost node ~1.3 ms of CPU
 * more a call (~2.7 ms before a clone, whose parent folder has no client yet; see repoGit) on every repo of every
 * sync. `remote` is a URL or a remote name; `cwd` any folder (a clone when `remote` is a remote name). Throws GitError
 * with git's own message when the remote is unreachable.
 */
export async function lsRemote(remote: string, branches: readonly string[], cwd: string, ctx: Pick<Ctx, 'env' | 'signal'>): Promise<RemoteHeads> {
  const patterns = [...new Set(branches)].map((b) => `refs/heads/${b}`);
  const parsed = parseLsRemote(await gitOk(['ls-remote', '--symref', '--', remote, 'HEAD', ...patterns], cwd, ctx));
  // ls-remote matches patterns by their tail; keep exact names only.
  const exact = new Map([...parsed.heads].filter(([name]) => branches.includes(name) || name === parsed.defaultBranch));
  return { heads: exact, defaultBranch: parsed.defaultBranch, headCommit: parsed.headCommit };
}
