// The deploy command is looked up like the deploy's own PATH: the service's node_modules/.bin chain first, then PATH.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertCommandFound, findCommand } from '../../src/deploy/preflight.js';

describe('deploy/preflight', () => {
  let repo: string;
  before(() => {
    repo = mkdtempSync(path.join(os.tmpdir(), 'uber-preflight-test-'));
    mkdirSync(path.join(repo, 'node_modules', '.bin'), { recursive: true });
    mkdirSync(path.join(repo, 'services', 'api'), { recursive: true });
    writeFileSync(path.join(repo, 'node_modules', '.bin', 'sls'), '#!/bin/sh\n');
    chmodSync(path.join(repo, 'node_modules', '.bin', 'sls'), 0o755);
    writeFileSync(path.join(repo, 'services', 'api', 'deploy.sh'), '#!/bin/sh\n');
    chmodSync(path.join(repo, 'services', 'api', 'deploy.sh'), 0o755);
    writeFileSync(path.join(repo, 'services', 'api', 'not-executable.sh'), '');
  });
  after(() => rmSync(repo, { recursive: true, force: true }));

  const api = (): { repo: string; repoDir: string; service: string } => ({ repo: 'orders', repoDir: repo, service: 'services/api' });

  it('finds a command in the repo\'s node_modules/.bin, on PATH, or by a path relative to the service', () => {
    assert.equal(findCommand('sls', api(), { PATH: '/nonexistent' }), path.join(repo, 'node_modules', '.bin', 'sls'));
    assert.equal(findCommand('sh', api(), { PATH: '/usr/bin:/bin' })?.endsWith('/sh'), true);
    assert.equal(findCommand('./deploy.sh', api(), {}), path.join(repo, 'services', 'api', 'deploy.sh'));
    assert.equal(findCommand('./not-executable.sh', api(), {}), undefined);
  });

  it('names the command and the service when it is missing', () => {
    assert.throws(() => assertCommandFound('serverless', [api()], { PATH: '/nonexistent' }), /runs "serverless", which is neither in node_modules\/\.bin of orders\/services\/api nor on PATH/);
  });
});
