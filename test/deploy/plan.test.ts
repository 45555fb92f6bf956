// The plan and the command template: services from globs × profiles, argv filled per argument, never a shell.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findServices, planPairs, serviceSlug } from '../../src/deploy/plan.js';
import { fillTemplate, parseTemplate, splitTemplate } from '../../src/deploy/template.js';

describe('deploy/template', () => {
  it('splits once with quotes and escapes, then fills each argument on its own', () => {
    const words = parseTemplate(`sls deploy --stage {stage} --param "team=a b" --tag '{repo}:{service}' x\\ y`);
    assert.deepEqual(words, ['sls', 'deploy', '--stage', '{stage}', '--param', 'team=a b', '--tag', '{repo}:{service}', 'x y']);
    const argv = fillTemplate(words, { stage: 'ci; rm -rf /', profile: 'p', service: 'services/api', repo: 'orders', branch: 'b' });
    assert.equal(argv[3], 'ci; rm -rf /', 'a value stays one argument, no shell sees it');
    assert.equal(argv[7], 'orders:services/api');
    assert.equal(argv.length, 9);
  });

  it('rejects unknown placeholders, unclosed quotes and an empty command', () => {
    assert.throws(() => parseTemplate('sls deploy {stag}'), /unknown placeholder \{stag\}/);
    assert.throws(() => splitTemplate('sls "deploy'), /unclosed " quote/);
    assert.throws(() => splitTemplate('   '), /is empty/);
    assert.deepEqual(splitTemplate(`a '' b`), ['a', '', 'b']);
  });
});

describe('deploy/plan', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'uber-plan-test-'));
    for (const f of ['serverless.yml', 'services/a/serverless.yml', 'services/b/serverless.yml', 'node_modules/x/serverless.yml', 'services/a/.serverless/serverless.yml']) {
      mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      writeFileSync(path.join(dir, f), 'service: x\n');
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('finds services by folder, ignoring node_modules and .serverless, deduplicated', async () => {
    const repo = { name: 'orders', url: 'file:///x', services: ['serverless.yml', 'services/*/serverless.yml', '**/serverless.yml'] };
    const s = await findServices(repo, dir, 0);
    assert.deepEqual(s.map((x) => x.service), ['.', 'services/a', 'services/b']);
  });

  it('names the glob that matches nothing', async () => {
    await assert.rejects(findServices({ name: 'o', url: 'file:///x', services: ['nope/*.yml'] }, dir, 3), /repos\[3\]\.services\[0\] "nope\/\*\.yml" matches nothing/);
  });

  it('pairs every service with every profile, interleaved by profile, with filled argv', () => {
    const services = [{ repo: 'orders', repoDir: dir, service: '.' }, { repo: 'orders', repoDir: dir, service: 'services/a' }];
    const pairs = planPairs(services, ['ci-1', 'ci-2'], ['sls', 'deploy', '--stage', '{stage}', '--aws-profile', '{profile}', '--b', '{branch}'], { stage: 'ci', branch: 'feat/x' });
    assert.deepEqual(pairs.map((p) => p.id), ['ci-1/orders/.', 'ci-2/orders/.', 'ci-1/orders/services/a', 'ci-2/orders/services/a']);
    assert.deepEqual(pairs[1]!.argv, ['sls', 'deploy', '--stage', 'ci', '--aws-profile', 'ci-2', '--b', 'feat/x']);
    assert.equal(pairs[2]!.slug, 'orders--services-a');
    assert.equal(serviceSlug('.'), 'root');
  });
});
