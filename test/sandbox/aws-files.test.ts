// The sandbox's AWS files and export lines: one profile per account, stable fake keys, shell-safe paths.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readProfiles } from '../../src/aws/profiles.js';
import { exportLines, sandboxEnv, shellQuote, writeAwsFiles } from '../../src/sandbox/aws-files.js';
import { accountIdentity, fakeKeys, sandboxFiles, type SandboxAccount } from '../../src/sandbox/layout.js';

const account = (n: number): SandboxAccount => ({ ...accountIdentity(n), port: 4566 + n, endpoint: `http://127.0.0.1:${4566 + n}`, dataDir: null });

describe('sandbox/aws-files', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), "uber sandbox 'files' "))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes profiles sandbox-1..N with their own region, keys and endpoint; credentials are private', () => {
    const files = sandboxFiles(dir);
    writeAwsFiles(files, [account(1), account(2), account(3)]);
    const profiles = readProfiles(sandboxEnv(files));
    assert.deepEqual([...profiles.keys()], ['sandbox-1', 'sandbox-2', 'sandbox-3']);
    const all = [...profiles.values()];
    for (const key of ['region', 'endpointUrl', 'accessKeyId', 'secretAccessKey'] as const) {
      assert.equal(new Set(all.map((p) => p[key])).size, 3, `${key} differs per account`);
    }
    assert.equal(profiles.get('sandbox-2')?.endpointUrl, 'http://127.0.0.1:4568');
    assert.equal(statSync(files.awsCredentials).mode & 0o077, 0);
  });

  it('keeps fake keys stable across runs and well-formed', () => {
    assert.deepEqual(fakeKeys('sandbox-1'), fakeKeys('sandbox-1'));
    assert.match(fakeKeys('sandbox-1').accessKeyId, /^AKIA[A-Z0-9]{16}$/);
    assert.equal(fakeKeys('sandbox-1').secretAccessKey.length, 40);
  });

  it('prints export lines a POSIX shell reads back exactly, even for a path with spaces and quotes', () => {
    const files = sandboxFiles(dir);
    const got = execFileSync('sh', ['-c', 'eval "$0"; printf "%s\\n%s" "$AWS_CONFIG_FILE" "$AWS_SHARED_CREDENTIALS_FILE"', exportLines(files).join('\n')], { encoding: 'utf8' });
    assert.equal(got, `${files.awsConfig}\n${files.awsCredentials}`);
    assert.equal(shellQuote('/plain/path'), '/plain/path');
  });
});
