// `uber doctor` in process: resolvable profiles pass; one account behind two profiles, no region, no credentials fail.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../support/run-cli.js';

/** `uber doctor ...args` in-process, with the exit code bin.ts would give. */
async function doctor(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await runCli(['doctor', ...args], cwd, env);
  return { code: r.code, stdout: r.out, stderr: r.err };
}

describe('uber doctor', function () {
  this.timeout(30_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'uber-doctor-'));
    const profile = (name: string, lines: string[]): string => `[profile ${name}]\n${lines.join('\n')}\n`;
    writeFileSync(
      path.join(dir, 'config'),
      [
        profile('s1', ['region = us-east-1', 'endpoint_url = http://127.0.0.1:4701', 'aws_access_key_id = AKIAS1', 'aws_secret_access_key = x1']),
        profile('s2', ['region = us-east-1', 'endpoint_url = http://127.0.0.1:4702', 'aws_access_key_id = AKIAS2', 'aws_secret_access_key = x2']),
        profile('s1-again', ['region = eu-west-1', 'endpoint_url = http://127.0.0.1:4701/', 'aws_access_key_id = AKIAS1', 'aws_secret_access_key = other']),
        profile('no-region', ['endpoint_url = http://127.0.0.1:4703', 'aws_access_key_id = AKIAS3', 'aws_secret_access_key = x3']),
        profile('no-creds', ['region = us-east-1']),
        profile('real-1', ['region = us-east-1', 'aws_access_key_id = AKIAREAL0000001', 'aws_secret_access_key = r1']),
        profile('real-1-copy', ['region = eu-west-1', 'aws_access_key_id = AKIAREAL0000001', 'aws_secret_access_key = r1']),
      ].join('\n'),
    );
    env = { HOME: dir, AWS_CONFIG_FILE: path.join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'credentials'), AWS_EC2_METADATA_DISABLED: 'true' };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('passes profiles that resolve to distinct accounts, without printing secrets', async () => {
    const r = await doctor(['--profiles', 's1,s2'], env, dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ok {3}s1 {2}region us-east-1 {2}http:\/\/127\.0\.0\.1:4701 as \*\*\*\*/m);
    assert.doesNotMatch(r.stdout + r.stderr, /x1|x2|AKIAS1\b/);
  });

  it('fails two profiles on one account (same endpoint and key), naming both', async () => {
    const r = await doctor(['--profiles', 's1,s2,s1-again'], env, dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /profiles s1, s1-again are the same account; .* give each profile its own account\./);
    assert.match(r.stdout, /^DUP {2}s1-again/m);
  });

  it('fails a profile with no region and one with no credentials', async () => {
    const r = await doctor(['--profiles', 'no-region,no-creds', '--timeout', '2'], env, dir);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^FAIL no-region .*no region set/m);
    assert.match(r.stdout, /^FAIL no-creds .*credentials not found/m);
    assert.match(r.stderr, /2 profiles cannot be used: no-region, no-creds\./);
  });

  it('compares by access key when STS cannot be reached, and reports JSON on request', async () => {
    const r = await doctor(['--profiles', 'real-1,real-1-copy', '--timeout', '2', '--json'], env, dir);
    assert.equal(r.code, 1);
    const json = JSON.parse(r.stdout) as { ok: boolean; duplicates: string[][]; profiles: { source: string }[] };
    assert.equal(json.ok, false);
    assert.deepEqual(json.duplicates, [['real-1', 'real-1-copy']]);
    assert.ok(json.profiles.every((p) => p.source === 'access-key' || p.source === 'sts'));
  });

  it('an unknown profile is a usage error (exit 2) and nothing is checked', async () => {
    const r = await doctor(['--profiles', 's1,ghost'], env, dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^uber: Profile "ghost" is not in .*\.\n$/);
    assert.equal(r.stdout, '', 'nothing was checked');
  });
});
