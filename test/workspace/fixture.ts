// Test fixture: real bare git remotes (file://) in a temp dir, a config that lists them, and an env free of the machine's git config.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

const seeded = new WeakMap<Fixture, Set<string>>();

/** One seed repo per fixture holds every branch once; remotes are filled from it (cheap: two git calls each). */
function seedWith(fx: Fixture, branches: readonly string[]): string {
  const seed = path.join(fx.root, 'seed');
  let have = seeded.get(fx);
  if (!have) {
    mkdirSync(seed, { recursive: true });
    fx.git(seed, 'init', '-q', '-b', 'main');
    writeFileSync(path.join(seed, 'README.md'), '# service\n');
    writeFileSync(path.join(seed, 'serverless.yml'), 'service: demo\n');
    fx.git(seed, 'add', '-A');
    fx.git(seed, 'commit', '-q', '-m', 'initial');
    have = new Set(['main']);
    seeded.set(fx, have);
  }
  for (const b of branches) {
    if (have.has(b)) continue;
    fx.git(seed, 'checkout', '-q', '-b', b, 'main');
    writeFileSync(path.join(seed, `branch-${have.size}.txt`), `${b}\n`);
    fx.git(seed, 'add', '-A');
    fx.git(seed, 'commit', '-q', '-m', `work on ${b}`);
    have.add(b);
  }
  return seed;
}

/** Creates a bare remote `name.git` (HEAD main, partial clone allowed) with main plus the given branches. */
export function makeRemote(fx: Fixture, name: string, branches: readonly string[] = []): void {
  const seed = seedWith(fx, branches);
  const bare = path.join(fx.remotes, `${name}.git`);
  fx.git(fx.remotes, 'init', '-q', '--bare', '-b', 'main', bare);
  appendFileSync(path.join(bare, 'config'), '[uploadpack]\n\tallowFilter = true\n');
  fx.git(seed, 'push', '-q', bare, ...['main', ...branches].map((b) => `refs/heads/${b}:refs/heads/${b}`));
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
