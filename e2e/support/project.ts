// A throwaway uber project for chaos checks: file:// remotes, a config, AWS files, the fixture sls on PATH, one tag per run.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TAG_VAR } from './procs.js';
import { ROOT } from './uber.js';

export const FIXTURE_BIN = path.join(ROOT, 'test', 'fixtures', 'bin');
export const CHAOS_BIN = path.join(ROOT, 'e2e', 'support', 'bin');

export interface RepoSpec {
  readonly name: string;
  /** Service folders inside the repo (each gets a serverless.yml); default ["services/a"]. */
  readonly services?: readonly string[];
  /** Extra branches on the remote, each with one commit of its own. */
  readonly branches?: readonly string[];
}

export interface ProjectSpec {
  readonly repos?: readonly RepoSpec[];
  readonly profiles?: readonly string[];
  /** Raw config text (YAML); replaces the generated config. */
  readonly configText?: string;
  /** Merged into the generated config's deploy section. */
  readonly deploy?: Record<string, unknown>;
  /** Raw AWS config / credentials text; replace the generated files. */
  readonly awsConfig?: string;
  readonly awsCredentials?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export interface ChaosProject {
  readonly root: string;
  readonly dir: string;
  readonly workspace: string;
  readonly tmp: string;
  readonly tag: string;
  readonly env: NodeJS.ProcessEnv;
  readonly awsConfig: string;
  readonly awsCredentials: string;
  git(cwd: string, ...args: string[]): string;
  url(repo: string): string;
  /** Lines the fixture sls journaled (start/end with argv, pid, HOME...). */
  journal(): Array<{ event: string; pid: number; argv: string[]; home: string; key: string; cwd: string; time: number }>;
  /** Lock files in .uber/leases (held leases). */
  leases(): string[];
  /** Temp dirs uber's deploys left in TMPDIR (each holds the deploy's copy and HOME). */
  tempLeft(): string[];
  /** Every file and folder under .uber, relative. */
  uberFiles(): string[];
  workspaceEntries(): string[];
  cleanup(): void;
}

function gitEnv(home: string): NodeJS.ProcessEnv {
  return {
    HOME: home,
    GIT_CONFIG_GLOBAL: path.join(home, '.gitconfig'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Chaos',
    GIT_AUTHOR_EMAIL: 'chaos@example.com',
    GIT_COMMITTER_NAME: 'Chaos',
    GIT_COMMITTER_EMAIL: 'chaos@example.com',
    GIT_TERMINAL_PROMPT: '0',
  };
}

function list(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

export function makeChaosProject(spec: ProjectSpec = {}): ChaosProject {
  const root = mkdtempSync(path.join(os.tmpdir(), 'uber-chaos-'));
  const dir = path.join(root, 'project');
  const remotes = path.join(root, 'remotes');
  const home = path.join(root, 'home');
  const tmp = path.join(root, 'tmp');
  for (const d of [dir, remotes, home, tmp]) mkdirSync(d, { recursive: true });
  const tag = randomBytes(6).toString('hex');
  const genv = gitEnv(home);
  writeFileSync(genv.GIT_CONFIG_GLOBAL!, '[init]\n\tdefaultBranch = main\n[protocol "file"]\n\tallow = always\n');
  const gitRun = (cwd: string, ...args: string[]): string =>
    execFileSync('git', args, { cwd, env: { PATH: process.env.PATH, ...genv }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const url = (name: string): string => pathToFileURL(path.join(remotes, `${name}.git`)).href;

  const repos = spec.repos ?? [{ name: 'orders' }];
  for (const r of repos) {
    const seed = path.join(root, 'seed', r.name);
    mkdirSync(seed, { recursive: true });
    gitRun(seed, 'init', '-q', '-b', 'main');
    for (const s of r.services ?? ['services/a']) {
      mkdirSync(path.join(seed, s), { recursive: true });
      writeFileSync(path.join(seed, s, 'serverless.yml'), `service: ${r.name}-${path.basename(s)}\nprovider:\n  name: aws\n`);
    }
    gitRun(seed, 'add', '-A');
    gitRun(seed, 'commit', '-q', '-m', 'initial');
    for (const b of r.branches ?? []) {
      gitRun(seed, 'checkout', '-q', '-b', b, 'main');
      writeFileSync(path.join(seed, 'branch.txt'), `${b}\n`);
      gitRun(seed, 'add', '-A');
      gitRun(seed, 'commit', '-q', '-m', `work on ${b}`);
      gitRun(seed, 'checkout', '-q', 'main');
    }
    gitRun(root, 'clone', '-q', '--bare', seed, path.join(remotes, `${r.name}.git`));
  }

  const profiles = spec.profiles ?? ['ci-1', 'ci-2'];
  const config = {
    workspace: './repos',
    profiles,
    repos: repos.map((r) => ({ name: r.name, url: url(r.name), services: (r.services ?? ['services/a']).map((s) => `${s}/serverless.yml`) })),
    deploy: { command: 'sls deploy --stage {stage} --aws-profile {profile}', concurrency: 4, perProfile: 2, ...spec.deploy },
  };
  writeFileSync(path.join(dir, 'uber.config.yaml'), spec.configText ?? JSON.stringify(config, null, 2));
  const awsConfig = path.join(root, 'aws', 'config');
  const awsCredentials = path.join(root, 'aws', 'credentials');
  mkdirSync(path.dirname(awsConfig));
  writeFileSync(awsConfig, spec.awsConfig ?? profiles.map((p) => `[profile ${p}]\nregion = eu-west-1\n`).join(''));
  writeFileSync(
    awsCredentials,
    spec.awsCredentials ?? profiles.map((p, i) => `[${p}]\naws_access_key_id = AKIACHAOS${String(i).padStart(11, '0')}\naws_secret_access_key = chaos-secret-${tag}-${i}\n`).join(''),
  );
  const journalFile = path.join(root, 'journal.jsonl');
  const env: NodeJS.ProcessEnv = {
    PATH: `${CHAOS_BIN}${path.delimiter}${FIXTURE_BIN}${path.delimiter}${process.env.PATH ?? ''}`,
    LANG: 'C.UTF-8',
    ...genv,
    TMPDIR: tmp,
    CI: 'true',
    AWS_CONFIG_FILE: awsConfig,
    AWS_SHARED_CREDENTIALS_FILE: awsCredentials,
    UBER_PASS_ENV: 'SLS_FIXTURE_*',
    UBER_BACKOFF_MS: '20',
    SLS_FIXTURE_JOURNAL: journalFile,
    SLS_FIXTURE_SLEEP_MS: '50',
    [TAG_VAR]: tag,
    ...spec.env,
  };
  const uberDir = path.join(dir, '.uber');
  return {
    root,
    dir,
    workspace: path.join(dir, 'repos'),
    tmp,
    tag,
    env,
    awsConfig,
    awsCredentials,
    git: gitRun,
    url,
    journal() {
      if (!existsSync(journalFile)) return [];
      return readFileSync(journalFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as never);
    },
    leases: () => list(path.join(uberDir, 'leases')).filter((f) => f.endsWith('.lock')),
    tempLeft: () => (existsSync(tmp) ? readdirSync(tmp).filter((f) => f.startsWith('uber-')) : []),
    uberFiles: () => list(uberDir),
    workspaceEntries: () => list(path.join(dir, 'repos')),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
