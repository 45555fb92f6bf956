// The deploy's environment with the real Serverless Framework v3 (`sls package`, offline): ${env:NAME} resolves by
// default, AWS routing variables and UBER_* never arrive, and strict mode names the variable it held back.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const BIN = path.resolve('dist/bin.js');
const SLS = path.resolve('node_modules/.bin/serverless');

describe('e2e: the deploy environment, through the real Serverless Framework v3', function () {
  this.timeout(300_000);
  let root: string;
  let env: NodeJS.ProcessEnv;

  /** A fresh TMPDIR (so the one kept copy is this run's) and the config for `mode`. */
  const config = (mode?: string): void => {
    rmSync(path.join(root, 'tmp'), { recursive: true, force: true });
    mkdirSync(path.join(root, 'tmp'));
    writeFileSync(
      path.join(root, 'uber.config.json'),
      JSON.stringify({
        workspace: './repos',
        profiles: ['ci-1'],
        repos: [{ name: 'api', url: 'file:///unused', services: ['serverless.yml'] }],
        deploy: { command: `${SLS} package --stage {stage} --aws-profile {profile}`, retries: 0, ...(mode ? { env: mode } : {}) },
      }),
    );
  };
  const deploy = (): ReturnType<typeof spawnSync> & { stdout: string; stderr: string } =>
    spawnSync(process.execPath, [BIN, 'deploy', '--branch', 'main', '--no-sync', '--keep-temp'], { cwd: root, env, encoding: 'utf8', timeout: 240_000 });
  /** The Lambda environment `sls package` wrote into the CloudFormation template of the last kept copy. */
  const packagedEnv = (): Record<string, string> => {
    const tmp = path.join(root, 'tmp');
    const run = readdirSync(tmp).find((n) => n.startsWith('uber-deploy-'))!;
    const copy = readdirSync(path.join(tmp, run))[0]!;
    const template = JSON.parse(readFileSync(path.join(tmp, run, copy, 'repo', '.serverless', 'cloudformation-template-update-stack.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: { Environment?: { Variables: Record<string, string> } } }>;
    };
    return Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function')!.Properties.Environment!.Variables;
  };

  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'uber-e2e-env-'));
    const repo = path.join(root, 'repos', 'api');
    mkdirSync(repo, { recursive: true });
    writeFileSync(path.join(repo, 'handler.js'), 'exports.hello = async () => ({ statusCode: 200 });\n');
    const probes = ['AWS_ACCESS_KEY_ID', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_PROFILE', 'UBER_AWS_CONFIG_B64'];
    writeFileSync(
      path.join(repo, 'serverless.yml'),
      [
        'service: env-demo',
        "frameworkVersion: '3'",
        'provider:',
        '  name: aws',
        '  runtime: nodejs18.x',
        '  region: eu-west-1',
        '  environment:',
        '    DOMAIN: ${env:DOMAIN}',
        "    PROFILE_SEEN: ${env:AWS_PROFILE, 'none'}",
        ...probes.map((p) => `    SEEN_${p}: \${env:${p}, 'none'}`),
        'functions:',
        '  hello:',
        '    handler: handler.hello',
        '',
      ].join('\n'),
    );
    mkdirSync(path.join(root, 'aws'));
    writeFileSync(path.join(root, 'aws', 'config'), '[profile ci-1]\nregion = eu-west-1\n');
    writeFileSync(path.join(root, 'aws', 'credentials'), '[ci-1]\naws_access_key_id = AKIAFAKEFAKEFAKE0001\naws_secret_access_key = fake-secret-abcdef\n');
    mkdirSync(path.join(root, 'home'));
    env = {
      PATH: process.env.PATH,
      LANG: 'C.UTF-8',
      HOME: path.join(root, 'home'),
      TMPDIR: path.join(root, 'tmp'),
      AWS_CONFIG_FILE: path.join(root, 'aws', 'config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(root, 'aws', 'credentials'),
      DOMAIN: 'shop.example.org',
      // a CI job's own AWS setup, which must not send the deploy elsewhere
      AWS_ACCESS_KEY_ID: 'AKIAPARENTPARENT0000',
      AWS_SECRET_ACCESS_KEY: 'parent-secret-000000',
      AWS_SESSION_TOKEN: 'parent-session-token',
      AWS_REGION: 'us-west-2',
      AWS_PROFILE: 'parent-profile',
      AWS_DEFAULT_PROFILE: 'parent-profile',
      UBER_AWS_CONFIG_B64: Buffer.from('[profile x]').toString('base64'),
    };
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('by default ${env:DOMAIN} resolves; AWS keys, region, other profiles and UBER_* never reach the deploy', () => {
    config();
    const r = deploy();
    assert.equal(r.status, 0, r.stderr);
    const vars = packagedEnv();
    assert.equal(vars.DOMAIN, 'shop.example.org');
    assert.equal(vars.PROFILE_SEEN, 'ci-1', "the deploy's own profile, not the parent's");
    for (const p of ['AWS_ACCESS_KEY_ID', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_PROFILE', 'UBER_AWS_CONFIG_B64']) assert.equal(vars[`SEEN_${p}`], 'none', p);
  });

  it('deploy.env: strict fails on the unresolved variable with a one-line hint naming DOMAIN and the setting', () => {
    config('strict');
    const r = deploy();
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /Value not found at "env" source/, "serverless's own message");
    const hints = r.stderr.split('\n').filter((l) => l.includes('uber: hint:'));
    assert.equal(hints.length, 1, r.stderr);
    assert.match(hints[0]!, /\$\{env:DOMAIN\} is set in uber's environment but deploy\.env is strict.*UBER_PASS_ENV=DOMAIN/);
  });

  it('deploy.env: strict with UBER_PASS_ENV=DOMAIN resolves again', () => {
    config('strict');
    const r = spawnSync(process.execPath, [BIN, 'deploy', '--branch', 'main', '--no-sync', '--keep-temp'], { cwd: root, env: { ...env, UBER_PASS_ENV: 'DOMAIN' }, encoding: 'utf8', timeout: 240_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(packagedEnv().DOMAIN, 'shop.example.org');
  });
});
