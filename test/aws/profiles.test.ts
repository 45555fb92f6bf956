// AWS profile files: both files merged, env overrides honoured, unknown profiles named with the known ones.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { readProfiles, requireProfiles } from '../../src/aws/profiles.js';
import { tmp } from '../support/tmp.js';

function envWith(config: string, credentials = ''): NodeJS.ProcessEnv {
  const dir = tmp('uber-aws-');
  writeFileSync(path.join(dir, 'config'), config);
  writeFileSync(path.join(dir, 'credentials'), credentials);
  return { HOME: dir, AWS_CONFIG_FILE: path.join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'credentials') };
}

describe('aws/profiles', () => {
  it('parses profiles.example.ini: static keys, role + source_profile, SSO', () => {
    const env = { AWS_CONFIG_FILE: path.resolve('profiles.example.ini'), AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' };
    const all = readProfiles(env);
    assert.deepEqual([...all.keys()].sort(), ['ci-1', 'ci-2', 'ci-3', 'ci-4', 'ci-5', 'ci-6', 'tools']);
    assert.equal(all.get('ci-3')?.sourceProfile, 'tools');
    assert.equal(all.get('ci-5')?.sso, true);
    assert.equal(all.get('ci-1')?.region, 'eu-west-1');
  });

  it('merges credentials into config profiles and reads endpoint_url', () => {
    const env = envWith('[profile a]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:4567\n', '[a]\naws_access_key_id = AK\naws_secret_access_key = SK\n');
    const a = readProfiles(env).get('a');
    assert.equal(a?.endpointUrl, 'http://127.0.0.1:4567');
    assert.equal(a?.accessKeyId, 'AK');
  });

  it('names unknown profiles and lists the known ones', () => {
    const env = envWith('[profile a]\nregion = x\n[default]\nregion = y\n');
    assert.throws(() => requireProfiles(['a', 'zz'], env), /Profile "zz" is not in .* known profiles: a, default\./);
    assert.throws(() => requireProfiles([], env), /profile list is empty/);
  });

  it('rejects a broken INI line with its line number', () => {
    const env = envWith('[profile a]\nregion = x\nthis line is broken\n');
    assert.throws(() => readProfiles(env), /config line 3 cannot be read/);
  });
});
