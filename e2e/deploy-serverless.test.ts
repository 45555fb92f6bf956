// The real Serverless Framework v3 (`serverless package`, offline) through uber for 3 profiles at once, with a control:
// the same three runs in one shared folder, without uber's isolation, clash over .serverless/.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { UberState } from '../src/state/state.js';
import { zipEntries } from '../test/deploy/zip.js';

const BIN = path.resolve('dist/bin.js');
const SLS = path.resolve('node_modules/.bin/serverless');
const PROFILES = ['ci-1', 'ci-2', 'ci-3'];
const ARTIFACTS = ['cloudformation-template-create-stack.json', 'cloudformation-template-update-stack.json', 'iso-demo.zip', 'serverless-state.json'];

/** The profile a package was built for: the service puts --aws-profile into its Lambda environment. */
function builtFor(dotServerless: string): string | undefined {
  try {
    return /"PROFILE_TAG": "([^"]+)"/.exec(readFileSync(path.join(dotServerless, 'cloudformation-template-update-stack.json'), 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

describe('e2e: uber deploy with the real Serverless Framework v3', function () {
  this.timeout(600_000);
  let root: string;
  let env: NodeJS.ProcessEnv;
  let repo: string;

  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'uber-sls-test-'));
    repo = path.join(root, 'repos', 'api');
    const deps = path.join(root, 'deps', 'node_modules', 'dep');
    mkdirSync(deps, { recursive: true });
    writeFileSync(path.join(deps, 'package.json'), '{"name":"dep","version":"1.0.0","main":"index.js"}\n');
    writeFileSync(path.join(deps, 'index.js'), 'module.exports = 42;\n');
    mkdirSync(repo, { recursive: true });
    symlinkSync(path.join(root, 'deps', 'node_modules'), path.join(repo, 'node_modules')); // like a hoisted install
    writeFileSync(path.join(repo, 'package.json'), '{"name":"iso-demo","version":"1.0.0","dependencies":{"dep":"1.0.0"}}\n');
    writeFileSync(path.join(repo, 'handler.js'), "exports.hello = async () => ({ statusCode: 200, body: String(require('dep')) });\n");
    writeFileSync(
      path.join(repo, 'serverless.yml'),
      "service: iso-demo\nframeworkVersion: '3'\nprovider:\n  name: aws\n  runtime: nodejs18.x\n  region: eu-west-1\n  environment:\n    PROFILE_TAG: ${opt:aws-profile, 'none'}\nfunctions:\n  hello:\n    handler: handler.hello\n",
    );
    mkdirSync(path.join(root, 'aws'));
    writeFileSync(path.join(root, 'aws', 'config'), PROFILES.map((p) => `[profile ${p}]\nregion = eu-west-1\n`).join(''));
    writeFileSync(path.join(root, 'aws', 'credentials'), PROFILES.map((p, i) => `[${p}]\naws_access_key_id = AKIAFAKEFAKEFAKE000${i}\naws_secret_access_key = fake-secret-${i}-abcdef\n`).join(''));
    mkdirSync(path.join(root, 'tmp'));
    mkdirSync(path.join(root, 'home'));
    writeFileSync(
      path.join(root, 'uber.config.json'),
      JSON.stringify({
        workspace: './repos',
        profiles: PROFILES,
        repos: [{ name: 'api', url: 'file:///unused', services: ['serverless.yml'] }],
        deploy: { command: `${SLS} package --stage {stage} --aws-profile {profile}`, concurrency: 3, perProfile: 1, retries: 0 },
      }),
    );
    env = {
      PATH: process.env.PATH,
      LANG: 'C.UTF-8',
      HOME: path.join(root, 'home'),
      TMPDIR: path.join(root, 'tmp'),
      AWS_CONFIG_FILE: path.join(root, 'aws', 'config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(root, 'aws', 'credentials'),
    };
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('isolated by uber: every profile gets complete, distinct artifacts, dependencies zipped through the linked node_modules', () => {
    const r = spawnSync(process.execPath, [BIN, 'deploy', '--branch', 'main', '--no-sync', '--keep-temp', '--json'], { cwd: root, env, encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, r.stderr);
    const state = JSON.parse(r.stdout) as UberState;
    assert.deepEqual(state.deploys.map((d) => [d.profile, d.status]), PROFILES.map((p) => [p, 'ok']));
    const runRoot = readdirSync(path.join(root, 'tmp')).find((n) => n.startsWith('uber-deploy-'))!;
    const kept = readdirSync(path.join(root, 'tmp', runRoot));
    for (const profile of PROFILES) {
      const dir = kept.find((k) => k.startsWith(`${profile}-`))!;
      const out = path.join(root, 'tmp', runRoot, dir, 'repo', '.serverless');
      assert.deepEqual(readdirSync(out).sort(), ARTIFACTS, `${profile}: complete artifacts`);
      assert.equal(builtFor(out), profile, `${profile}: its own template`);
      assert.match(readFileSync(path.join(out, 'serverless-state.json'), 'utf8'), new RegExp(`"PROFILE_TAG": "${profile}"`));
      assert.deepEqual(zipEntries(path.join(out, 'iso-demo.zip')), ['handler.js', 'node_modules/dep/index.js', 'node_modules/dep/package.json', 'package.json']);
      assert.ok(existsSync(path.join(root, 'tmp', runRoot, dir, 'home', '.serverless')), `${profile}: its own ~/.serverless`);
    }
    assert.equal(existsSync(path.join(repo, '.serverless')), false, 'the original repo is untouched');
  });

  it('control without isolation: the same three runs in one shared folder and HOME clash over .serverless/', async () => {
    const shared = path.join(root, 'shared');
    const trials = 2;
    let clashes = 0;
    const seen: string[] = [];
    for (let t = 0; t < trials; t += 1) {
      rmSync(shared, { recursive: true, force: true });
      cpSync(repo, shared, { recursive: true, verbatimSymlinks: true });
      const runs = await Promise.all(
        PROFILES.map(
          (profile) =>
            new Promise<{ profile: string; code: number | null; built: string | undefined }>((resolve) => {
              const c = spawn(SLS, ['package', '--stage', 'ci', '--aws-profile', profile], {
                cwd: shared,
                env: { ...env, AWS_PROFILE: profile, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
                stdio: 'ignore',
              });
              // what this run would upload, read the moment it is done
              c.on('exit', (code) => resolve({ profile, code, built: builtFor(path.join(shared, '.serverless')) }));
            }),
        ),
      );
      const clash = runs.some((r) => r.code !== 0 || r.built !== r.profile);
      if (clash) clashes += 1;
      seen.push(runs.map((r) => `${r.profile}→${r.code === 0 ? (r.built ?? 'none') : `exit ${r.code}`}`).join(' '));
      // reliable in every trial: one folder keeps one set of artifacts, the last writer's; two profiles' builds are gone
      const left = builtFor(path.join(shared, '.serverless'));
      const surviving = PROFILES.filter((p) => p === left);
      assert.ok(surviving.length <= 1 && surviving.length < PROFILES.length, `trial ${t}: ${seen.at(-1)}`);
      if (runs.every((r) => r.code === 0)) assert.equal(surviving.length, 1, 'the last writer wins');
    }
    // a run reading back another profile's template (what `sls deploy` would then upload) is frequent but racy,
    // so it is measured and printed, not asserted; the isolated test above shows it never happens with uber
    console.log(`      control: a run ended with another profile's artifacts (or failed) in ${clashes}/${trials} trials: ${seen.join(' | ')}`);
  });
});
