// The sync scenario the tests share: 8 file:// remotes in every state issue 2 names, and how to resolve the skips.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeFixture, makeRemote, pushCommit, snapshot, writeConfig, type Fixture } from './fixture.js';

export const REPOS = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'dirty', 'detached', 'diverged', 'gone'] as const;
export type RepoName = (typeof REPOS)[number];

export interface Scenario {
  readonly fx: Fixture;
  /** Snapshots (files + HEAD) of the repos that must be left untouched. */
  readonly before: Record<'dirty' | 'detached' | 'diverged', string>;
  /** Remote commits the synced repos must end on. */
  readonly expect: { gamma: string; delta: string; diverged: string };
}

/**
 * alpha: feat-x on the remote, not cloned      → cloned on feat-x
 * beta: no feat-x, not cloned                   → cloned on main (fallback)
 * gamma: cloned on main, behind, no feat-x      → updated, main (fallback), fast-forwarded
 * delta: cloned on main, feat-x on the remote   → updated, feat-x tracking origin/feat-x
 * epsilon: config branch develop, no feat-x     → cloned on develop (fallback)
 * dirty: modified + untracked file              → skipped, untouched
 * detached: HEAD detached                       → skipped, untouched
 * diverged: local feat-x and origin/feat-x both moved → skipped, untouched
 * gone: cloned, then its remote disappears      → failed with git's message
 */
export function makeScenario(): Scenario {
  const fx = makeFixture();
  for (const name of REPOS) makeRemote(fx, name, name === 'beta' || name === 'gamma' ? [] : name === 'epsilon' ? ['develop'] : ['feat-x']);
  writeConfig(fx, REPOS, { epsilon: 'develop' });
  const clone = (name: string, ...args: string[]): string => {
    fx.git(fx.root, 'clone', '-q', ...args, fx.url(name), fx.dir(name));
    return fx.dir(name);
  };
  clone('gamma');
  const gamma = pushCommit(fx, 'gamma', 'main', 'later.txt', 'later\n');
  clone('delta');
  const dirty = clone('dirty');
  writeFileSync(path.join(dirty, 'README.md'), '# my unsaved edit\n');
  writeFileSync(path.join(dirty, 'notes.txt'), 'untracked work\n');
  const detached = clone('detached');
  fx.git(detached, 'checkout', '-q', '--detach');
  const diverged = clone('diverged', '--branch', 'feat-x');
  writeFileSync(path.join(diverged, 'local.txt'), 'local commit\n');
  fx.git(diverged, 'add', '-A');
  fx.git(diverged, 'commit', '-q', '-m', 'local work');
  const divergedRemote = pushCommit(fx, 'diverged', 'feat-x', 'remote.txt', 'remote commit\n');
  clone('gone');
  renameSync(path.join(fx.remotes, 'gone.git'), path.join(fx.remotes, 'gone.moved'));
  return {
    fx,
    before: { dirty: snapshot(fx, dirty), detached: snapshot(fx, detached), diverged: snapshot(fx, diverged) },
    expect: { gamma, delta: fx.git(fx.remotes, '--git-dir', path.join(fx.remotes, 'delta.git'), 'rev-parse', 'feat-x'), diverged: divergedRemote },
  };
}

/** What a user would do about each skip/failure: discard the edit, check out a branch, rebase, bring the remote back. */
export function resolveSkips(s: Scenario): void {
  const { fx } = s;
  fx.git(fx.dir('dirty'), 'checkout', '-q', '--', 'README.md');
  rmSync(path.join(fx.dir('dirty'), 'notes.txt'));
  fx.git(fx.dir('detached'), 'checkout', '-q', 'main');
  fx.git(fx.dir('diverged'), 'pull', '-q', '--rebase');
  renameSync(path.join(fx.remotes, 'gone.moved'), path.join(fx.remotes, 'gone.git'));
}
