// Test support: a temp project with repos of fixture services, temp AWS files with a planted secret, a ctx to run deploy.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { Ctx } from '../../src/context.js';

export const FIXTURE_BIN = path.resolve('test/fixtures/bin');
export const SECRET = 'planted-secret-Xq9wPz41kLm0';
export const KEY_ID = 'AKIAFIXTURE0KEY12345';

export interface Project {
  readonly root: string;
  readonly repos: string;
  readonly journal: string;
  readonly tmp: string;
  readonly awsConfig: string;
  readonly awsCredentials: string;
  readonly env: NodeJS.ProcessEnv;
  journalLines(): Array<Record<string, unknown> & { event: string; pid: number; cwd: string; home: string; argv: string[]; aws: Record<string, string>; envNames: string[]; key: string }>;
  cleanup(): void;
}

export interface ProjectOptions {
  repos?: readonly string[];
  services?: readonly string[];
  profiles?: readonly string[];
  deploy?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

export function makeProject(o: ProjectOptions = {}): Project {
  const root = mkdtempSync(path.join(os.tmpdir(), 'uber-deploy-test-'));
  const repos = path.join(root, 'repos');
  const tmp = path.join(root, 'tmp');
  mkdirSync(tmp);
  const profiles = o.profiles ?? ['ci-1', 'ci-2', 'ci-3'];
  const repoNames = o.repos ?? ['orders', 'users'];
  for (const repo of repoNames) {
    const dir = path.join(repos, repo);
    mkdirSync(path.join(dir, '.git'), { recursive: true });
    writeFileSync(path.join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    mkdirSync(path.join(dir, 'node_modules', 'dep'), { recursive: true });
    writeFileSync(path.join(dir, 'node_modules', 'dep', 'index.js'), 'module.exports = 1;\n');
    writeFileSync(path.join(dir, 'shared.yml'), 'region: eu-west-1\n');
    for (const s of o.services ?? ['a', 'b', 'c']) {
      const sdir = path.join(dir, 'services', s);
      mkdirSync(path.join(sdir, '.serverless'), { recursive: true });
      writeFileSync(path.join(sdir, 'serverless.yml'), `service: ${repo}-${s}\nprovider:\n  name: aws\ncustom: \${file(../../shared.yml)}\n`);
      writeFileSync(path.join(sdir, '.serverless', 'original.json'), '{"untouched":true}\n');
    }
  }
  const aws = path.join(root, 'aws');
  mkdirSync(aws);
  const awsConfig = path.join(aws, 'config');
  const awsCredentials = path.join(aws, 'credentials');
  writeFileSync(awsConfig, profiles.map((p) => `[profile ${p}]\nregion = eu-west-1\n`).join(''));
  writeFileSync(awsCredentials, profiles.map((p) => `[${p}]\naws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${SECRET}\n`).join(''));
  const config = {
    workspace: './repos',
    profiles,
    repos: repoNames.map((name) => ({ name, url: `file://${path.join(root, 'remotes', name)}`, services: ['services/*/serverless.yml'] })),
    deploy: { command: 'sls deploy --stage {stage} --aws-profile {profile}', concurrency: 4, perProfile: 2, ...o.deploy },
  };
  writeFileSync(path.join(root, 'uber.config.json'), JSON.stringify(config, null, 2));
  const journal = path.join(root, 'journal.jsonl');
  const home = path.join(root, 'real-home');
  mkdirSync(home);
  const env: NodeJS.ProcessEnv = {
    PATH: `${FIXTURE_BIN}${path.delimiter}${process.env.PATH ?? ''}`,
    LANG: 'C.UTF-8',
    HOME: home,
    TMPDIR: tmp,
    AWS_CONFIG_FILE: awsConfig,
    AWS_SHARED_CREDENTIALS_FILE: awsCredentials,
    AWS_ACCESS_KEY_ID: 'AKIAPARENTENV0000000',
    AWS_PROFILE: 'parent-profile',
    CI: 'true',
    CIRCLE_TOKEN: 'circle-token-never-leaks',
    UBER_PASS_ENV: 'SLS_FIXTURE_*',
    UBER_BACKOFF_MS: '20',
    SLS_FIXTURE_JOURNAL: journal,
    SLS_FIXTURE_COUNTERS: path.join(root, 'counters'),
    SLS_FIXTURE_SLEEP_MS: '50',
    ...o.env,
  };
  return {
    root, repos, journal, tmp, awsConfig, awsCredentials, env,
    journalLines() {
      try {
        return readFileSync(journal, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as never);
      } catch {
        return [];
      }
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

export interface TestCtx extends Ctx {
  readonly out: () => string;
  readonly err: () => string;
  readonly controller: AbortController;
}

export function makeCtx(p: Project): TestCtx {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b: Buffer) => (out += b.toString()));
  stderr.on('data', (b: Buffer) => (err += b.toString()));
  const controller = new AbortController();
  return { cwd: p.root, env: p.env, stdout, stderr, signal: controller.signal, interactive: false, debug: false, controller, out: () => out, err: () => err };
}
