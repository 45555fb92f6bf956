// The child env: allow-listed, credentials and CI vars never leak, UBER_PASS_ENV adds names on purpose.
import assert from 'node:assert/strict';
import { childEnv } from '../../src/isolation/env.js';

const opts = { profile: 'ci-2', home: '/tmp/h', tmpDir: '/tmp/t', cwd: '/project' };

describe('isolation/env', () => {
  it('keeps only allow-listed variables and sets uber\'s own', () => {
    const env = childEnv(
      {
        PATH: '/bin', LANG: 'en_US.UTF-8', LC_ALL: 'C', TZ: 'UTC', HTTPS_PROXY: 'http://proxy:3128',
        HOME: '/root', CI: 'true', CIRCLECI: 'true', CIRCLE_TOKEN: 't', GITHUB_TOKEN: 'g', NPM_TOKEN: 'n',
        AWS_ACCESS_KEY_ID: 'AKIA...', AWS_SECRET_ACCESS_KEY: 's', AWS_SESSION_TOKEN: 'x', AWS_PROFILE: 'other', AWS_REGION: 'us-east-1',
        AWS_CONFIG_FILE: 'aws/config', NODE_OPTIONS: '--require evil',
      },
      opts,
    );
    assert.deepEqual(Object.keys(env).sort(), [
      'AWS_CONFIG_FILE', 'AWS_PROFILE', 'AWS_SDK_LOAD_CONFIG', 'AWS_SHARED_CREDENTIALS_FILE', 'HOME', 'HTTPS_PROXY', 'LANG', 'LC_ALL', 'PATH',
      'SLS_NOTIFICATIONS_MODE', 'SLS_TELEMETRY_DISABLED', 'TMPDIR', 'TZ',
    ]);
    assert.equal(env.HOME, '/tmp/h');
    assert.equal(env.AWS_PROFILE, 'ci-2');
    assert.equal(env.AWS_CONFIG_FILE, '/project/aws/config', 'relative paths resolve against the project');
    assert.equal(env.AWS_SHARED_CREDENTIALS_FILE, '/root/.aws/credentials', 'the real file even though HOME changed');
    assert.equal(env.SLS_TELEMETRY_DISABLED, '1');
    assert.equal(env.SLS_NOTIFICATIONS_MODE, 'off');
  });

  it('passes names and prefixes from UBER_PASS_ENV, but never credentials or HOME', () => {
    const env = childEnv(
      { UBER_PASS_ENV: 'SLS_FIXTURE_*, DD_API_KEY AWS_SECRET_ACCESS_KEY,HOME', SLS_FIXTURE_A: '1', SLS_FIXTURE_B: '2', DD_API_KEY: 'k', DD_OTHER: 'no', AWS_SECRET_ACCESS_KEY: 's', HOME: '/root' },
      opts,
    );
    assert.equal(env.SLS_FIXTURE_A, '1');
    assert.equal(env.SLS_FIXTURE_B, '2');
    assert.equal(env.DD_API_KEY, 'k');
    assert.equal(env.DD_OTHER, undefined);
    assert.equal(env.AWS_SECRET_ACCESS_KEY, undefined);
    assert.equal(env.UBER_PASS_ENV, undefined);
    assert.equal(env.HOME, '/tmp/h');
  });
});
