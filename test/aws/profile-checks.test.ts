// Profile checks before anything runs: region present, source_profile exists and does not loop.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireProfiles } from '../../src/aws/profiles.js';

describe('aws/profiles checks', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  function envWith(config: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'uber-aws-check-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'config'), config);
    return { HOME: dir, AWS_CONFIG_FILE: path.join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none'), ...extra };
  }

  it('rejects a profile without a region, naming the line to add; AWS_REGION makes it fine', () => {
    const config = '[profile a]\naws_access_key_id = AKIAX\n';
    assert.throws(() => requireProfiles(['a'], envWith(config)), /^UsageError: Profile "a" has no region; add "region = eu-west-1" \(your region\) under \[profile a\]/);
    assert.equal(requireProfiles(['a'], envWith(config, { AWS_REGION: 'us-east-1' })).size, 1);
  });

  it('rejects source_profile loops of any length and a missing source profile', () => {
    const loop = '[profile a]\nregion = x\nsource_profile = b\nrole_arn = r\n[profile b]\nregion = x\nsource_profile = c\n[profile c]\nsource_profile = a\n';
    assert.throws(() => requireProfiles(['a'], envWith(loop)), /source_profile loop \(a -> b -> c -> a\)/);
    const self = '[profile a]\nregion = x\nsource_profile = a\nrole_arn = r\n';
    assert.throws(() => requireProfiles(['a'], envWith(self)), /source_profile loop \(a -> a\)/);
    const missing = '[profile a]\nregion = x\nsource_profile = tools\nrole_arn = r\n';
    assert.throws(() => requireProfiles(['a'], envWith(missing)), /names source_profile "tools", which is not in/);
  });

  it('accepts the chains the AWS CLI accepts: self-reference with static keys, and profiles.example.ini', () => {
    const self = '[profile a]\nregion = x\naws_access_key_id = AKIAX\naws_secret_access_key = s\nsource_profile = a\nrole_arn = r\n';
    assert.equal(requireProfiles(['a'], envWith(self)).size, 1);
    const env = { AWS_CONFIG_FILE: path.resolve('profiles.example.ini'), AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' };
    assert.equal(requireProfiles(['ci-1', 'ci-2', 'ci-3', 'ci-4', 'ci-5', 'ci-6'], env).size, 6);
  });
});
