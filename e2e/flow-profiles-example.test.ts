// profiles.example.ini stays valid: the loader uber ships reads it, and the binary lists its profiles.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { baseEnv, BIN, ROOT, uber } from './support/demo-flow.js';

const EXAMPLE = path.join(ROOT, 'profiles.example.ini');

describe('e2e: profiles.example.ini', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'uber-e2e-profiles-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is parsed by the built loader (dist/aws/profiles.js): keys, roles with their source, SSO', async () => {
    const { readProfiles } = (await import(path.join(path.dirname(BIN), 'aws', 'profiles.js'))) as typeof import('../src/aws/profiles.js');
    const all = readProfiles({ AWS_CONFIG_FILE: EXAMPLE, AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none') });
    assert.deepEqual([...all.keys()].sort(), ['ci-1', 'ci-2', 'ci-3', 'ci-4', 'ci-5', 'ci-6', 'tools']);
    for (const p of all.values()) {
      assert.ok(p.region, `${p.name} has a region`);
      const how = [p.accessKeyId && p.secretAccessKey, p.roleArn && p.sourceProfile && all.has(p.sourceProfile), p.sso].filter(Boolean);
      assert.equal(how.length, 1, `${p.name} has exactly one way to get credentials`);
    }
  });

  it('is what the binary reads: an unknown profile is named with every example profile (exit 2)', async () => {
    writeFileSync(path.join(dir, 'uber.config.yaml'), 'repos: []\n');
    const env = baseEnv(dir, { AWS_CONFIG_FILE: EXAMPLE, AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none') });
    const r = await uber(['deploy', '--branch', 'main', '--no-sync', '--profiles', 'ci-1,ci-9'], { cwd: dir, env });
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /Profile "ci-9" is not in .*profiles\.example\.ini.*known profiles: ci-1, ci-2, ci-3, ci-4, ci-5, ci-6, tools\./);
  });
});
