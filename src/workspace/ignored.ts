// Git silently overwrites ignored files (a local .env, say) when a checkout brings a tracked file to the same path: find them first.
import { lstatSync } from 'node:fs';
import path from 'node:path';
import type { Ctx } from '../context.js';
import { gitOk } from './git.js';

function isFile(p: string): boolean {
  try {
    return !lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Local files that moving HEAD from `from` to `to` would replace: paths `to` adds that already exist in the
 * (clean, so otherwise ignored) working tree, or whose parent folder is a local file. Empty when it is safe.
 */
export async function ignoredInTheWay(dir: string, from: string, to: string, ctx: Pick<Ctx, 'env' | 'signal'>): Promise<string[]> {
  const out = await gitOk(['diff', '--name-only', '--no-renames', '--diff-filter=A', '-z', from, to, '--'], dir, ctx);
  const hits = new Set<string>();
  for (const rel of out.split('\0').filter(Boolean)) {
    const parts = rel.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (isFile(path.join(dir, prefix))) {
        hits.add(prefix);
        break;
      }
    }
  }
  return [...hits].sort();
}

/** The skip reason for files in the way, naming a few. */
export function inTheWayReason(files: readonly string[], branch: string): string {
  const shown = files.slice(0, 3).join(', ') + (files.length > 3 ? ` and ${files.length - 3} more` : '');
  return `checking out "${branch}" would overwrite ignored local file${files.length > 1 ? 's' : ''} ${shown}; move ${files.length > 1 ? 'them' : 'it'} away first`;
}
