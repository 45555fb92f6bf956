// Isolation: the copy leaves out .git/.serverless and links node_modules; HOME is fresh and private; dispose cleans up.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { copyRepo } from '../../src/isolation/copy.js';
import { isolate } from '../../src/isolation/isolate.js';

describe('isolation', () => {
  let root: string;
  let repo: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'uber-iso-test-'));
    repo = path.join(root, 'repo');
    for (const d of ['.git/objects', '.serverless', 'node_modules/dep', 'services/api/.serverless', 'services/api/node_modules/x', 'lib']) mkdirSync(path.join(repo, d), { recursive: true });
    writeFileSync(path.join(repo, '.git', 'HEAD'), 'ref\n');
    writeFileSync(path.join(repo, '.serverless', 'old.json'), '{}');
    writeFileSync(path.join(repo, 'node_modules', 'dep', 'index.js'), '1');
    writeFileSync(path.join(repo, 'services', 'api', 'serverless.yml'), 'service: api\ncustom: ${file(../../lib/x.yml)}\n');
    writeFileSync(path.join(repo, 'lib', 'x.yml'), 'a: 1\n');
    writeFileSync(path.join(repo, 'run.sh'), '#!/bin/sh\n');
    chmodSync(path.join(repo, 'run.sh'), 0o755);
    symlinkSync('../lib/x.yml', path.join(repo, 'services', 'link.yml'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('copies the repo without .git and .serverless, links every node_modules, keeps modes and symlinks', async () => {
    const to = path.join(root, 'copy');
    await copyRepo(repo, to);
    assert.equal(existsSync(path.join(to, '.git')), false);
    assert.equal(existsSync(path.join(to, '.serverless')), false);
    assert.equal(existsSync(path.join(to, 'services', 'api', '.serverless')), false);
    assert.ok(lstatSync(path.join(to, 'node_modules')).isSymbolicLink());
    assert.equal(readlinkSync(path.join(to, 'node_modules')), path.join(repo, 'node_modules'));
    assert.ok(lstatSync(path.join(to, 'services', 'api', 'node_modules')).isSymbolicLink());
    assert.equal(readFileSync(path.join(to, 'node_modules', 'dep', 'index.js'), 'utf8'), '1');
    assert.equal(readFileSync(path.join(to, 'lib', 'x.yml'), 'utf8'), 'a: 1\n', 'relative ${file(..)} targets are there');
    assert.equal(statSync(path.join(to, 'run.sh')).mode & 0o777, 0o755);
    assert.equal(readlinkSync(path.join(to, 'services', 'link.yml')), '../lib/x.yml');
    assert.ok(!lstatSync(path.join(to, 'lib', 'x.yml')).isSymbolicLink(), 'files are copies, not links');
  });

  it('gives each deploy a fresh private HOME, its own TMPDIR, runs in the service folder, and removes it all on dispose', async () => {
    const env = { PATH: '/usr/bin', HOME: '/real/home', AWS_CONFIG_FILE: '/real/aws/config', AWS_SHARED_CREDENTIALS_FILE: '/real/aws/credentials' };
    const a = await isolate({ repoDir: repo, service: 'services/api', profile: 'ci-1', env, cwd: root, parentDir: path.join(root, 'tmp') });
    const b = await isolate({ repoDir: repo, service: 'services/api', profile: 'ci-2', env, cwd: root, parentDir: path.join(root, 'tmp') });
    assert.notEqual(a.home, b.home);
    assert.notEqual(a.cwd, b.cwd);
    assert.equal(a.cwd, path.join(a.workDir, 'services', 'api'));
    assert.equal(statSync(a.home).mode & 0o777, 0o700);
    assert.equal(a.env.HOME, a.home);
    assert.equal(a.env.AWS_PROFILE, 'ci-1');
    assert.equal(b.env.AWS_PROFILE, 'ci-2');
    assert.equal(a.env.AWS_CONFIG_FILE, '/real/aws/config');
    assert.ok(a.env.TMPDIR!.startsWith(a.root));
    assert.equal(a.env.PATH, '/usr/bin', 'no node_modules/.bin in this repo: PATH unchanged');
    await a.dispose();
    await b[Symbol.asyncDispose]();
    assert.equal(existsSync(a.root), false);
    assert.equal(existsSync(b.root), false);
    assert.ok(existsSync(path.join(repo, 'node_modules', 'dep', 'index.js')), 'dispose never follows the node_modules link');
  });

  it('puts the copy\'s node_modules/.bin folders first on PATH, nearest first', async () => {
    mkdirSync(path.join(repo, 'node_modules', '.bin'));
    mkdirSync(path.join(repo, 'services', 'api', 'node_modules', '.bin'));
    const iso = await isolate({ repoDir: repo, service: 'services/api', profile: 'p', env: { PATH: '/usr/bin' }, cwd: root, parentDir: path.join(root, 'tmp') });
    try {
      assert.deepEqual(iso.env.PATH!.split(path.delimiter), [
        path.join(iso.cwd, 'node_modules', '.bin'),
        path.join(iso.workDir, 'node_modules', '.bin'),
        '/usr/bin',
      ]);
    } finally {
      await iso.dispose();
    }
  });

  it('links only the real ~/.aws/sso token cache into the fresh HOME, for SSO profiles', async () => {
    const realHome = path.join(root, 'real-home');
    mkdirSync(path.join(realHome, '.aws', 'sso', 'cache'), { recursive: true });
    writeFileSync(path.join(realHome, '.aws', 'sso', 'cache', 'token.json'), '{}');
    writeFileSync(path.join(realHome, '.bashrc'), '');
    const iso = await isolate({ repoDir: repo, service: '.', profile: 'p', env: { HOME: realHome }, cwd: root, parentDir: path.join(root, 'tmp') });
    try {
      assert.ok(existsSync(path.join(iso.home, '.aws', 'sso', 'cache', 'token.json')));
      assert.equal(existsSync(path.join(iso.home, '.bashrc')), false);
    } finally {
      await iso.dispose();
    }
    assert.ok(existsSync(path.join(realHome, '.aws', 'sso', 'cache', 'token.json')), 'dispose leaves the real cache alone');
  });

  it('keeps the temp dir with keep', async () => {
    const iso = await isolate({ repoDir: repo, service: '.', profile: 'p', env: {}, cwd: root, parentDir: path.join(root, 'tmp'), keep: true });
    await iso.dispose();
    assert.ok(existsSync(iso.home));
  });
});
