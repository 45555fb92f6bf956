// A repo's local state as hashes (work tree, index, HEAD, stash, local branches), to prove that nothing was lost.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface RepoSnapshot {
  readonly worktree: string;
  readonly index: string;
  readonly head: string;
  readonly stash: string;
  /** refs/heads/* → sha */
  readonly branches: Record<string, string>;
  /** `git status --porcelain` was empty */
  readonly clean: boolean;
}

function sha(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function hashTree(root: string): string {
  const h = createHash('sha256');
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (dir === root && e.name === '.git') continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else {
        h.update(`${path.relative(root, full)}\0`);
        h.update(readFileSync(full));
        h.update('\0');
      }
    }
  };
  walk(root);
  return h.digest('hex').slice(0, 16);
}

export function snapshot(dir: string, env: NodeJS.ProcessEnv): RepoSnapshot {
  const git = (...args: string[]): string => {
    try {
      return execFileSync('git', ['--no-optional-locks', ...args], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      return `ERR ${(e as { status?: number }).status ?? ''}`;
    }
  };
  const branches: Record<string, string> = {};
  for (const line of git('for-each-ref', 'refs/heads', '--format=%(refname) %(objectname)').split('\n').filter(Boolean)) {
    const [ref = '', id = ''] = line.split(' ');
    branches[ref] = id;
  }
  return {
    worktree: hashTree(dir),
    index: sha(git('ls-files', '-s')),
    head: `${git('rev-parse', 'HEAD').trim()} ${git('symbolic-ref', '-q', 'HEAD').trim()}`,
    stash: sha(git('stash', 'list', '--format=%H %s')),
    branches,
    clean: git('status', '--porcelain').trim() === '',
  };
}

/** True when `ancestor` is reachable from `tip` in the repo at dir. */
export function reachable(dir: string, env: NodeJS.ProcessEnv, ancestor: string, tip: string): boolean {
  try {
    execFileSync('git', ['merge-base', '--is-ancestor', ancestor, tip], { cwd: dir, env, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
