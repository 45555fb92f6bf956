// The child env: by default what `sls deploy` would see minus what would send it elsewhere; strict mode keeps the allow-list.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { envHint, envRefs } from '../../src/isolation/env-hint.js';
import { childEnv } from '../../src/isolation/env.js';
import { collectSecrets, Redactor } from '../../src/redact.js';

const opts = { profile: 'ci-2', home: '/tmp/h', tmpDir: '/tmp/t', cwd: '/project' };

/** Everything a CI job may have that would send a deploy to another account, region, endpoint or HOME. */
const ELSEWHERE = {
  HOME: '/root', TMPDIR: '/tmp/real', PWD: '/project', OLDPWD: '/', INIT_CWD: '/project',
  AWS_ACCESS_KEY_ID: 'AKIAPARENT0000000000', AWS_SECRET_ACCESS_KEY: 's3cr3t-parent', AWS_SESSION_TOKEN: 'session-parent', AWS_SECURITY_TOKEN: 'sec-parent',
  AWS_PROFILE: 'other', AWS_DEFAULT_PROFILE: 'other', AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ROLE_ARN: 'arn:aws:iam::1:role/x', AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/token', AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/creds',
  AWS_ENDPOINT_URL: 'http://elsewhere', AWS_ENDPOINT_URL_DYNAMODB: 'http://elsewhere', AWS_CONFIG_FILE: 'aws/config',
  UBER_AWS_CONFIG_B64: 'W3Byb2ZpbGVd', UBER_PASS_ENV: 'X', UBER_PROFILES: 'a,b',
};

describe('isolation/env', () => {
  it('by default passes the parent\'s environment (CI, tokens, ${env:NAME} inputs), minus AWS routing, HOME, TMPDIR and UBER_*', () => {
    const env = childEnv({ PATH: '/bin', LANG: 'C', CI: 'true', CIRCLE_BRANCH: 'feat-x', DOMAIN: 'example.org', DATADOG_API_KEY: 'dd', NODE_OPTIONS: '--max-old-space-size=4096', AWS_CA_BUNDLE: '/ca.pem', AWS_MAX_ATTEMPTS: '5', ...ELSEWHERE }, opts);
    assert.deepEqual(Object.keys(env).sort(), [
      'AWS_CA_BUNDLE', 'AWS_CONFIG_FILE', 'AWS_MAX_ATTEMPTS', 'AWS_PROFILE', 'AWS_SDK_LOAD_CONFIG', 'AWS_SHARED_CREDENTIALS_FILE', 'CI', 'CIRCLE_BRANCH',
      'DATADOG_API_KEY', 'DOMAIN', 'HOME', 'LANG', 'NODE_OPTIONS', 'PATH', 'SLS_NOTIFICATIONS_MODE', 'SLS_TELEMETRY_DISABLED', 'TMPDIR',
    ]);
    assert.equal(env.DOMAIN, 'example.org');
    assert.equal(env.AWS_PROFILE, 'ci-2');
    assert.equal(env.HOME, '/tmp/h');
    assert.equal(env.TMPDIR, '/tmp/t');
    assert.equal(env.AWS_CONFIG_FILE, '/project/aws/config', 'relative paths resolve against the project');
    assert.equal(env.AWS_SHARED_CREDENTIALS_FILE, '/root/.aws/credentials', 'the real file even though HOME changed');
  });

  it('strict: keeps only allow-listed variables and sets uber\'s own', () => {
    const env = childEnv(
      { PATH: '/bin', LANG: 'en_US.UTF-8', LC_ALL: 'C', TZ: 'UTC', HTTPS_PROXY: 'http://proxy:3128', CI: 'true', CIRCLE_TOKEN: 't', GITHUB_TOKEN: 'g', NPM_TOKEN: 'n', NODE_OPTIONS: '--require evil', DOMAIN: 'x', ...ELSEWHERE },
      { ...opts, mode: 'strict' },
    );
    assert.deepEqual(Object.keys(env).sort(), [
      'AWS_CONFIG_FILE', 'AWS_PROFILE', 'AWS_SDK_LOAD_CONFIG', 'AWS_SHARED_CREDENTIALS_FILE', 'HOME', 'HTTPS_PROXY', 'LANG', 'LC_ALL', 'PATH',
      'SLS_NOTIFICATIONS_MODE', 'SLS_TELEMETRY_DISABLED', 'TMPDIR', 'TZ',
    ]);
    assert.equal(env.SLS_TELEMETRY_DISABLED, '1');
    assert.equal(env.SLS_NOTIFICATIONS_MODE, 'off');
  });

  it('strict: UBER_PASS_ENV adds names and prefixes, but never credentials, regions, HOME or UBER_*', () => {
    const env = childEnv(
      { UBER_PASS_ENV: 'SLS_FIXTURE_*, DD_API_KEY AWS_SECRET_ACCESS_KEY,HOME,AWS_REGION,UBER_*', SLS_FIXTURE_A: '1', SLS_FIXTURE_B: '2', DD_API_KEY: 'k', DD_OTHER: 'no', AWS_SECRET_ACCESS_KEY: 's', AWS_REGION: 'us-east-1', HOME: '/root', UBER_AWS_CONFIG_B64: 'x' },
      { ...opts, mode: 'strict' },
    );
    assert.equal(env.SLS_FIXTURE_A, '1');
    assert.equal(env.SLS_FIXTURE_B, '2');
    assert.equal(env.DD_API_KEY, 'k');
    assert.equal(env.DD_OTHER, undefined);
    for (const k of ['AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'UBER_PASS_ENV', 'UBER_AWS_CONFIG_B64']) assert.equal(env[k], undefined, k);
    assert.equal(env.HOME, '/tmp/h');
  });

  it('masks every value that looks secret by its name, now that a deploy sees them', () => {
    const parent = { DATADOG_API_KEY: 'dd-0123456789', STRIPE_KEY: 'sk_live_abcdef', DB_PASSWD: 'hunter2hunter2', SENTRY_DSN: 'https://k@sentry.io/1', DATABASE_URL: 'postgres://u:pw123456@db/x', DOMAIN: 'example.org', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials', AWS_CONFIG_FILE: '/nonexistent/config' };
    const r = new Redactor(collectSecrets(parent));
    const out = r.redact(Object.values(parent).join(' '));
    for (const k of ['DATADOG_API_KEY', 'STRIPE_KEY', 'DB_PASSWD', 'SENTRY_DSN', 'DATABASE_URL'] as const) assert.ok(!out.includes(parent[k]), `${k} leaked: ${out}`);
    assert.ok(out.includes('example.org'), 'a plain value stays readable');
  });
});

describe('isolation/env-hint', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'uber-env-hint-'));
    writeFileSync(path.join(dir, 'serverless.yml'), "service: x\nprovider:\n  region: ${env:AWS_REGION}\n  environment:\n    DOMAIN: ${env:DOMAIN}\n    KEY: ${env:DATADOG_API_KEY, 'none'}\n    GONE: ${env:NOT_SET_ANYWHERE}\n");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  // serverless 3.40's own words (node_modules/serverless/lib/configuration/variables/resolve.js), as printed by `sls package`
  const REAL = 'Error:\nCannot resolve serverless.yml: Variables resolution errored with:\n  - Cannot resolve variable at "provider.environment.DOMAIN": Value not found at "env" source';

  it('finds ${env:NAME} references', () => {
    assert.deepEqual(envRefs("a: ${env:A}\nb: ${env: B, 'x'}\nc: ${env:A}"), ['A', 'B']);
  });

  it('strict: names the variable uber has and the deploy lacked, and the setting, in one line', async () => {
    const parent = { DOMAIN: 'example.org', DATADOG_API_KEY: 'k' };
    const child = childEnv(parent, { ...opts, mode: 'strict' });
    const hint = await envHint({ output: REAL, serviceDir: dir, parent, child, mode: 'strict' });
    assert.equal(hint, "uber: hint: ${env:DOMAIN}, ${env:DATADOG_API_KEY} are set in uber's environment but deploy.env is strict, so the deploy did not get them; add UBER_PASS_ENV=DOMAIN,DATADOG_API_KEY or remove deploy.env: strict from uber.config.yaml.");
  });

  it('says when a name is one uber never passes; says nothing for other failures or names uber lacks too', async () => {
    const parent = { AWS_REGION: 'us-east-1' };
    const child = childEnv(parent, opts);
    assert.match((await envHint({ output: REAL, serviceDir: dir, parent, child }))!, /^uber: hint: \$\{env:AWS_REGION\} is never passed to a deploy/);
    assert.equal(await envHint({ output: 'Error: Rate exceeded', serviceDir: dir, parent, child }), undefined);
    assert.equal(await envHint({ output: REAL, serviceDir: dir, parent: {}, child: {}, mode: 'strict' }), undefined);
    const all = { DOMAIN: 'd' };
    assert.equal(await envHint({ output: REAL, serviceDir: dir, parent: all, child: childEnv(all, opts) }), undefined, 'inherit mode passed it');
  });
});
