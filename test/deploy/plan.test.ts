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
    const argv = fillTemplate(words, { stage: 'ci; rm -rf /', profile: 'p', service: 'api', servicePath: 'services/api', repo: 'orders', branch: 'b' });
    assert.equal(argv[3], 'ci; rm -rf /', 'a value stays one argument, no shell sees it');
    assert.equal(argv[7], 'orders:api');
    assert.deepEqual(fillTemplate(['--package', 'dist/{service}', '{servicePath}/x'], { stage: '', profile: '', service: 'api', servicePath: 'services/api', repo: '', branch: '' }), ['--package', 'dist/api', 'services/api/x']);
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

  it('pairs every service with every profile, account-major (every service of one profile, then the next), with filled argv', () => {
    const services = [{ repo: 'orders', repoDir: dir, service: '.' }, { repo: 'orders', repoDir: dir, service: 'services/a' }];
    const pairs = planPairs(services, ['ci-1', 'ci-2'], ['sls', 'deploy', '--stage', '{stage}', '--aws-profile', '{profile}', '--b', '{branch}'], { stage: 'ci', branch: 'feat/x' });
    assert.deepEqual(pairs.map((p) => p.id), ['ci-1/orders/.', 'ci-1/orders/services/a', 'ci-2/orders/.', 'ci-2/orders/services/a']);
    assert.deepEqual(pairs[2]!.argv, ['sls', 'deploy', '--stage', 'ci', '--aws-profile', 'ci-2', '--b', 'feat/x']);
    assert.equal(pairs[1]!.slug, 'orders--services-a');
    assert.equal(serviceSlug('.'), 'root');
  });
});

describe('deploy/plan: {service} is the service\'s name, {servicePath} its folder', () => {
  let dir: string;
  const write = (f: string, text: string): void => {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  };
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'uber-plan-name-'));
    write('services/billing/serverless.yml', "service: billing-api\nprovider:\n  name: aws\n  role: !GetAtt Role.Arn\n");
    write('services/quoted/serverless.yml', 'service: "quoted-svc" # a comment\n');
    write('services/plain/serverless.yml', 'provider:\n  name: aws\n');
    write('services/var/serverless.yml', 'service: ${self:custom.name}\n');
    write('services/object/serverless.yml', 'service:\n  name: old-style\n');
    write('services/json/serverless.json', '{"service": "from-json"}');
    write('serverless.yml', 'service: root-svc\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads service: from serverless.yml (tags, quotes, JSON), else the folder\'s name', async () => {
    const s = await findServices({ name: 'orders', url: 'file:///x', services: ['serverless.yml', 'services/*/serverless.{yml,json}'] }, dir, 0);
    assert.deepEqual(
      s.map((x) => [x.service, x.name]),
      [['.', 'root-svc'], ['services/billing', 'billing-api'], ['services/json', 'from-json'], ['services/object', 'object'], ['services/plain', 'plain'], ['services/quoted', 'quoted-svc'], ['services/var', 'var']],
    );
    const [pair] = planPairs([s[1]!], ['ci-1'], parseTemplate('sls package --package dist/{service} --stack {service}-{stage} --path {servicePath}'), { stage: 'ci', branch: 'b' });
    assert.deepEqual(pair!.argv, ['sls', 'package', '--package', 'dist/billing-api', '--stack', 'billing-api-ci', '--path', 'services/billing']);
  });

  it('two services of one repo with one name: a usage error when the template uses {service}; fine otherwise', () => {
    const twins = [{ repo: 'o', repoDir: dir, service: 'a/api', name: 'api' }, { repo: 'o', repoDir: dir, service: 'b/api', name: 'api' }];
    assert.throws(
      () => planPairs(twins, ['p'], parseTemplate('sls deploy --package dist/{service}'), { stage: 'ci', branch: 'b' }),
      (e: Error & { code?: string }) => e.code === 'ERR_UBER_SERVICE_NAME' && /"a\/api" and "b\/api" of repo "o" are both named "api".*\{servicePath\}/.test(e.message),
    );
    assert.equal(planPairs(twins, ['p'], parseTemplate('sls deploy --config {servicePath}/serverless.yml'), { stage: 'ci', branch: 'b' }).length, 2);
    const otherRepo = [twins[0]!, { ...twins[1]!, repo: 'other' }];
    assert.equal(planPairs(otherRepo, ['p'], parseTemplate('sls deploy --package dist/{service}'), { stage: 'ci', branch: 'b' }).length, 2, 'another repo may reuse a name');
  });
});
