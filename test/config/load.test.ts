// Config loading: defaults, and every problem reported at once with its key path.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { UsageError } from '../../src/errors.js';
import { tmp } from '../support/tmp.js';

function dirWith(name: string, text: string): string {
  const dir = tmp('uber-config-');
  writeFileSync(path.join(dir, name), text);
  return dir;
}

function problemsOf(name: string, text: string): string[] {
  const dir = dirWith(name, text);
  try {
    loadConfig(dir);
  } catch (e) {
    assert.ok(e instanceof UsageError, `expected a UsageError, got ${String(e)}`);
    assert.equal(e.code, 'ERR_UBER_CONFIG_INVALID');
    assert.doesNotMatch(e.message, /\n/, 'one sentence, one line');
    return [...e.details];
  }
  assert.fail('config was accepted');
}

describe('config/load', () => {
  it('fills defaults from the schema', () => {
    const dir = dirWith('uber.config.yaml', 'repos:\n  - name: orders\n    url: file:///tmp/orders.git\n');
    const { config, workspaceDir } = loadConfig(dir);
    assert.equal(workspaceDir, path.join(dir, 'repos'));
    assert.deepEqual(config.repos[0]?.services, ['serverless.yml']);
    assert.equal(config.deploy.command, 'sls deploy --stage {stage} --aws-profile {profile}');
    assert.equal(config.deploy.retries, 2);
    assert.equal(config.deploy.perProfile, 2);
    assert.equal(config.test.leaseScope, 'test');
  });

  it('accepts JSON and finds the file from a sub-folder', () => {
    const dir = dirWith('uber.config.json', JSON.stringify({ profiles: ['a', 'b'], deploy: { concurrency: 4 } }));
    const { config } = loadConfig(path.join(dir));
    assert.deepEqual(config.profiles, ['a', 'b']);
    assert.equal(config.deploy.concurrency, 4);
  });

  it('reports every problem at once, each with its key path', () => {
    const problems = problemsOf(
      'uber.config.yaml',
      [
        'workspce: ./x',
        'profiles: []',
        'repos:',
        '  - name: orders',
        '    url: file:///tmp/o.git',
        '  - name: orders',
        '    url: "not a url"',
        '  - name: ../escape',
        '    url: git@github.com:acme/x.git',
        'deploy:',
        '  retries: "two"',
      ].join('\n'),
    );
    const text = problems.join('\n');
    assert.match(text, /\(top level\): unknown key "workspce"/);
    assert.match(text, /profiles: must list at least one profile/);
    assert.match(text, /deploy\.retries: expected number/);
    // schema errors stop before cross-field rules; rules are checked on a schema-valid file
  });

  it('checks cross-field rules: duplicate names, folders outside the workspace, bad URLs', () => {
    const problems = problemsOf(
      'uber.config.yaml',
      ['repos:', '  - {name: orders, url: "file:///tmp/o.git"}', '  - {name: orders, url: "not a url"}', '  - {name: ../escape, url: "git@github.com:acme/x.git"}'].join('\n'),
    );
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.match(problems[0]!, /^repos\[1\]\.name: "orders" is already the name of repos\[0\]/);
    assert.match(problems[1]!, /^repos\[1\]\.url: "not a url" is not a git URL/);
    assert.match(problems[2]!, /^repos\[2\]\.name: "\.\.\/escape" must be a plain folder name/);
  });

  it('names YAML syntax errors and duplicate keys', () => {
    assert.match(problemsOf('uber.config.yaml', 'repos: [\n').join(), /YAML error/);
    assert.match(problemsOf('uber.config.yaml', 'workspace: a\nworkspace: b\n').join(), /YAML error: Map keys must be unique/);
  });

  it('says where to look when there is no config', () => {
    const dir = tmp('uber-noconfig-');
    assert.throws(() => loadConfig(dir, 'nope.yaml'), /does not exist; check the --config path/);
  });
});
