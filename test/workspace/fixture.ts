// Test fixture: real bare git remotes (file://) in a temp dir, a config that lists them, and an env free of the machine's git config.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface Fixture {
  readonly root: string;
  readonly remotes: string;
  readonly project: string;
  readonly workspace: string;
  readonly env: NodeJS.ProcessEnv;
  url(name: string): string;
  dir(name: string): string;
  git(cwd: string, ...args: string[]): string;
  dispose(): void;
}

/** An env where only what the test sets matters: no global/system git config, fixed identity, no prompts. */
export function isolatedGitEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    LANG: 'C',
    GIT_CONFIG_GLOBAL: path.join(home, '.gitconfig'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Uber Test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Uber Test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
    GIT_TERMINAL_PROMPT: '0',
  };
}

export function makeFixture(prefix = 'uber-sync-'): Fixture {
  const root = mkdtempSync(path.join(os.tmpdir(), prefix));
  const home = path.join(root, 'home');
  const remotes = path.join(root, 'remotes');
  const project = path.join(root, 'project');
  for (const d of [home, remotes, project]) mkdirSync(d, { recursive: true });
  const env = isolatedGitEnv(home);
  writeFileSync(env.GIT_CONFIG_GLOBAL!, '[init]\n\tdefaultBranch = main\n[protocol "file"]\n\tallow = always\n');
  const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  return {
    root,
    remotes,
    project,
    workspace: path.join(project, 'repos'),
    env,
    url: (name) => pathToFileURL(path.join(remotes, `${name}.git`)).href,
    dir: (name) => path.join(project, 'repos', name),
    git,
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Creates a bare remote `name.git` whose main has one commit, plus the given extra branches (one commit each on top of main). */
export function makeRemote(fx: Fixture, name: string, branches: readonly string[] = []): void {
  const work = path.join(fx.root, 'seed', name);
  mkdirSync(work, { recursive: true });
  fx.git(work, 'init', '-q', '-b', 'main');
  writeFileSync(path.join(work, 'README.md'), `# ${name}\n`);
  writeFileSync(path.join(work, 'serverless.yml'), `service: ${name}\n`);
  fx.git(work, 'add', '-A');
  fx.git(work, 'commit', '-q', '-m', 'initial');
  for (const b of branches) {
    fx.git(work, 'checkout', '-q', '-b', b, 'main');
    writeFileSync(path.join(work, `${b.replace(/\W/g, '_')}.txt`), `${b}\n`);
    fx.git(work, 'add', '-A');
    fx.git(work, 'commit', '-q', '-m', `work on ${b}`);
  }
  fx.git(work, 'checkout', '-q', 'main');
  fx.git(fx.remotes, 'clone', '-q', '--bare', work, `${name}.git`);
  fx.git(path.join(fx.remotes, `${name}.git`), 'config', 'uploadpack.allowFilter', 'true');
}

/** Adds a commit to `branch` of the remote `name` (through a scratch clone). */
export function pushCommit(fx: Fixture, name: string, branch: string, file: string, text: string): string {
  const work = mkdtempSync(path.join(fx.root, 'push-'));
  fx.git(work, 'clone', '-q', '--branch', branch, fx.url(name), '.');
  writeFileSync(path.join(work, file), text);
  fx.git(work, 'add', '-A');
  fx.git(work, 'commit', '-q', '-m', `change ${file}`);
  fx.git(work, 'push', '-q', 'origin', branch);
  const sha = fx.git(work, 'rev-parse', 'HEAD');
  rmSync(work, { recursive: true, force: true });
  return sha;
}

/** Writes uber.config.yaml listing the repos (in order), each cloned from its file:// remote. */
export function writeConfig(fx: Fixture, names: readonly string[], extra: Record<string, string> = {}): string {
  const lines = ['workspace: ./repos', 'repos:'];
  for (const n of names) {
    lines.push(`  - name: ${n}`, `    url: ${fx.url(n)}`);
    if (extra[n]) lines.push(`    branch: ${extra[n]}`);
  }
  const file = path.join(fx.project, 'uber.config.yaml');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** A fingerprint of a clone's working tree (every file but .git, with content hashes) and its HEAD: equal means untouched. */
export function snapshot(fx: Fixture, dir: string): string {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d).sort()) {
      if (e === '.git') continue;
      const p = path.join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else files.push(`${path.relative(dir, p)} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
    }
  };
  walk(dir);
  const head = fx.git(dir, 'rev-parse', 'HEAD');
  const ref = fx.git(dir, 'rev-parse', '--symbolic-full-name', 'HEAD');
  return [`HEAD ${head} ${ref}`, ...files].join('\n');
}
