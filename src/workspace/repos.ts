// The repos of a workspace, from the config, narrowed by --repos; an unknown name is a usage error.
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { RepoConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';

export interface WorkspaceRepo {
  readonly name: string;
  readonly url: string;
  /** Absolute folder of the clone. */
  readonly dir: string;
  /** Configured default branch, if any. */
  readonly branch: string | undefined;
  readonly config: RepoConfig;
}

/** Lists the workspace's repos in config order, only those named in `only` when given. */
export function workspaceRepos(loaded: LoadedConfig, only?: readonly string[]): WorkspaceRepo[] {
  const all = loaded.config.repos.map((r) => ({ name: r.name, url: r.url, dir: path.resolve(loaded.workspaceDir, r.name), branch: r.branch, config: r }));
  if (all.length === 0) {
    throw new UsageError('ERR_UBER_NO_REPOS', `${path.basename(loaded.file)} lists no repos; add them under "repos:" (see README "Config").`);
  }
  if (!only) return all;
  const wanted = [...new Set(only.map((n) => n.trim()).filter(Boolean))];
  const known = new Set(all.map((r) => r.name));
  const unknown = wanted.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new UsageError(
      'ERR_UBER_UNKNOWN_REPO',
      `Unknown repo${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')} in --repos; known repos are ${[...known].join(', ')}.`,
    );
  }
  if (wanted.length === 0) throw new UsageError('ERR_UBER_UNKNOWN_REPO', `--repos is empty; name at least one of ${[...known].join(', ')}.`);
  return all.filter((r) => wanted.includes(r.name));
}

/** Parses a comma-separated --repos value. */
export function parseRepoList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}
