// `node dist/bin.js sync` end to end on real file:// remotes: exit codes, --json, work never lost, names never reach a shell.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { isAlive } from '../src/exec/alive.js';
import type { SyncOutcome } from '../src/workspace/sync.js';
import { makeFixture, makeRemote, snapshot, writeConfig, type Fixture } from '../test/workspace/fixture.js';
import { makeScenario, resolveSkips, type Scenario } from '../test/workspace/scenario.js';

const BIN = path.resolve('dist/bin.js');

function uber(fx: Fixture, args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: fx.project, env: { ...fx.env, CI: '1' }, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Every file name under dir (recursive, .git included): a shell-run name would have created one. */
function names(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((n) => path.basename(n)) : [];
}

describe('e2e: uber sync', function () {
  this.timeout(120_000);

  describe('a workspace in every state', () => {
    let s: Scenario;
    before(() => (s = makeScenario()));
    after(() => s.fx.dispose());

    it('exits 1 because of the skips, prints outcomes as JSON on stdout and the table on stderr, and loses no work', () => {
      const r = uber(s.fx, ['sync', '--branch', 'feat-x', '--json', '--concurrency', '4']);
      assert.equal(r.code, 1, r.err);
      const outcomes = JSON.parse(r.out) as SyncOutcome[];
      const status = Object.fromEntries(outcomes.map((o) => [o.repo, `${o.status} ${o.branch ?? '-'}${o.fallback ? ' fallback' : ''}`]));
      assert.deepEqual(status, {
        alpha: 'cloned feat-x',
        beta: 'cloned main fallback',
        gamma: 'updated main fallback',
        delta: 'updated feat-x',
        epsilon: 'cloned develop fallback',
        dirty: 'skipped main',
        detached: 'skipped -',
        diverged: 'skipped feat-x',
        gone: 'failed main',
      });
      for (const name of ['dirty', 'detached', 'diverged'] as const) assert.equal(snapshot(s.fx, s.fx.dir(name)), s.before[name], `${name} was touched`);
      assert.match(r.err, /^REPO\s+BRANCH\s+FALLBACK\s+COMMIT\s+STATUS$/m);
      assert.match(r.err, /^dirty\s+main\s+no\s+[0-9a-f]{7}\s+skipped: local changes/m);
      assert.match(r.err, /^gone\s+main\s+no\s+[0-9a-f]{7}\s+failed: .*(does not appear to be a git repository|Could not read)/m);
      assert.match(r.err, /^sync alpha: cloned \[feat-x @ [0-9a-f]{7}\]$/m, 'one plain line per repo outside a terminal');
      assert.match(r.err, /^9 repos: 3 cloned, 2 updated, 3 skipped, 1 failed$/m);
    });

    it('exits 0 once the skips are resolved', () => {
      resolveSkips(s);
      const r = uber(s.fx, ['sync', '--branch', 'feat-x']);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, '', 'nothing on stdout without --json');
      assert.equal(s.fx.git(s.fx.dir('detached'), 'rev-parse', '--abbrev-ref', 'HEAD'), 'feat-x');
    });
  });

  describe('bad input', () => {
    let fx: Fixture;
    before(() => {
      fx = makeFixture();
      makeRemote(fx, 'orders', ['feat-x']);
      makeRemote(fx, 'users');
      writeConfig(fx, ['orders', 'users']);
    });
    after(() => fx.dispose());

    const rejects = (args: string[], message: RegExp): void => {
      const r = uber(fx, args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, /^uber: [^\n]+\n$/, 'one line');
      assert.match(r.err, message);
      assert.equal(existsSync(fx.workspace), false, 'nothing was cloned');
    };

    it('exits 2 for branch names git rejects, before cloning anything', () => {
      rejects(['sync', '--branch', 'a..b'], /^uber: Branch name "a\.\.b" is not valid \(git check-ref-format rejects it\); pass a name git accepts/);
      rejects(['sync', '--branch=-x'], /Branch name "-x" is not valid/);
      rejects(['sync', '--branch', ''], /Branch name "" is not valid/);
    });

    it('exits 2 for unknown repos (naming the known ones), a bad --concurrency, or no --branch', () => {
      rejects(['sync', '--branch', 'feat-x', '--repos', 'orders,nope'], /Unknown repo "nope" in --repos; known repos are orders, users\./);
      rejects(['sync', '--branch', 'feat-x', '--concurrency', 'many'], /--concurrency must be a whole number/);
      rejects(['sync'], /--branch/);
    });

    it('exits 2 for a bad config with every problem at once', () => {
      const file = path.join(fx.project, 'bad.yaml');
      writeFileSync(file, ['workspace: ./repos', 'repoz: []', 'repos:', '  - {name: a, url: "not a url"}', '  - {name: a, url: "file:///x.git", branch: "a..b"}'].join('\n'));
      rejects(['--config', file, 'sync', '--branch', 'feat-x'], /bad\.yaml has \d+ problems?/);
      writeFileSync(file, ['workspace: ./repos', 'repos:', `  - {name: a, url: "${fx.url('orders')}", branch: "a..b"}`].join('\n'));
      rejects(['--config', file, 'sync', '--branch', 'feat-x'], /has branch "a\.\.b", which git rejects/);
    });

    it('passes names git accepts but a shell would run as arguments only: no file gets created', () => {
      const hostile = 'zzz";touch${IFS}PWNED;#';
      const quoted = 'zzz";echo${IFS}"hi";#';
      makeRemote(fx, 'weird', [hostile]);
      writeConfig(fx, ['orders', 'weird']);
      let r = uber(fx, ['sync', '--branch', quoted, '--json']);
      assert.equal(r.code, 0, r.err);
      assert.deepEqual((JSON.parse(r.out) as SyncOutcome[]).map((o) => [o.repo, o.branch, o.fallback]), [['orders', 'main', true], ['weird', 'main', true]]);
      assert.doesNotMatch(r.err, /^hi$/m);
      r = uber(fx, ['sync', '--branch', hostile]);
      assert.equal(r.code, 0, r.err);
      assert.equal(fx.git(fx.dir('weird'), 'rev-parse', '--abbrev-ref', 'HEAD'), hostile, 'checked out under its exact name');
      assert.equal(fx.git(fx.dir('weird'), 'rev-parse', '--abbrev-ref', '@{upstream}'), `origin/${hostile}`);
      for (const dir of [fx.root, process.cwd()]) assert.equal(names(dir).filter((n) => n === 'PWNED' || n === 'hi').length, 0, `a file was created under ${dir}`);
    });
  });

  describe('beside a running uber test', () => {
    let fx: Fixture;
    before(() => {
      fx = makeFixture();
      makeRemote(fx, 'orders', ['feat-y']);
      makeRemote(fx, 'tests', ['feat-y']);
    });
    after(() => fx.dispose());

    it('a spec that runs `uber sync --branch feat-y` mid-run finds the workspace held: every repo busy, HEAD unmoved; after the run it syncs', () => {
      writeConfig(fx, ['orders', 'tests']);
      assert.equal(uber(fx, ['sync', '--branch', 'main']).code, 0);
      const aws = path.join(fx.root, 'aws-config');
      writeFileSync(aws, '[profile p-1]\nregion = eu-west-1\n');
      appendFileSync(path.join(fx.project, 'uber.config.yaml'), 'profiles: [p-1]\ntest:\n  cwd: ./suite\n  spec: ["*.spec.mjs"]\n');
      mkdirSync(path.join(fx.project, 'suite'));
      const report = path.join(fx.root, 'sync-during-test.json');
      writeFileSync(
        path.join(fx.project, 'suite', 'sync.spec.mjs'),
        [
          "import { spawnSync } from 'node:child_process';",
          "import { writeFileSync } from 'node:fs';",
          "it('runs while uber sync tries to move the workspace', function () {",
          '  this.timeout(60_000);',
          `  const r = spawnSync(process.execPath, [${JSON.stringify(BIN)}, 'sync', '--branch', 'feat-y', '--wait-for-tests', '0', '--json'], { cwd: ${JSON.stringify(fx.project)}, encoding: 'utf8' });`,
          `  writeFileSync(${JSON.stringify(report)}, JSON.stringify({ code: r.status, out: r.stdout, err: r.stderr }));`,
          '});',
        ].join('\n'),
      );
      const before = snapshot(fx, fx.dir('orders'));
      const t = spawnSync(process.execPath, [BIN, 'test', '--reporter', 'dot'], { cwd: fx.project, env: { ...fx.env, CI: '1', AWS_CONFIG_FILE: aws }, encoding: 'utf8', timeout: 120_000 });
      assert.equal(t.status, 0, t.stderr + t.stdout);
      const during = JSON.parse(readFileSync(report, 'utf8')) as { code: number; out: string; err: string };
      assert.equal(during.code, 1, during.err);
      const outcomes = JSON.parse(during.out) as SyncOutcome[];
      assert.deepEqual(outcomes.map((o) => `${o.repo} ${o.status} ${o.branch}`), ['orders skipped main', 'tests skipped main']);
      for (const o of outcomes) assert.match(o.reason ?? '', /^busy: test run \d{8}T\d{9}Z-test-[0-9a-f]{6} \(pid \d+, since .+\) uses it/);
      assert.equal(snapshot(fx, fx.dir('orders')), before, 'the repo did not move under the test run');
      const after = uber(fx, ['sync', '--branch', 'feat-y', '--wait-for-tests', '0']);
      assert.equal(after.code, 0, after.err);
      assert.equal(fx.git(fx.dir('orders'), 'rev-parse', '--abbrev-ref', 'HEAD'), 'feat-y');
    });
  });

  describe('two at once on a first clone', () => {
    let fx: Fixture;
    before(() => {
      fx = makeFixture();
      for (const n of ['orders', 'users']) makeRemote(fx, n, ['feat-y']);
      writeConfig(fx, ['orders', 'users']);
    });
    after(() => fx.dispose());

    it('two uber processes: both exit 0 with every repo on the branch; one clones, the other finds the clone', async () => {
      const run = (): Promise<{ code: number | null; out: string; err: string }> =>
        new Promise((resolve) => {
          const child = spawn(process.execPath, [BIN, 'sync', '--branch', 'feat-y', '--json'], { cwd: fx.project, env: { ...fx.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          let err = '';
          child.stdout.on('data', (b: Buffer) => (out += b.toString()));
          child.stderr.on('data', (b: Buffer) => (err += b.toString()));
          child.on('close', (code) => resolve({ code, out, err }));
        });
      const [a, b] = await Promise.all([run(), run()]);
      assert.equal(a.code, 0, a.err);
      assert.equal(b.code, 0, b.err);
      const all = [...(JSON.parse(a.out) as SyncOutcome[]), ...(JSON.parse(b.out) as SyncOutcome[])];
      for (const n of ['orders', 'users']) {
        assert.deepEqual(all.filter((o) => o.repo === n).map((o) => `${o.status} ${o.branch}`).sort(), ['cloned feat-y', 'unchanged feat-y']);
        assert.equal(fx.git(fx.dir(n), 'rev-parse', '--abbrev-ref', 'HEAD'), 'feat-y');
      }
    });
  });

  describe('interrupted', () => {
    let fx: Fixture;
    before(() => {
      fx = makeFixture();
      makeRemote(fx, 'orders', ['feat-x']);
    });
    after(() => fx.dispose());

    it('stops git children on SIGINT and exits 130', async () => {
      // An ssh that never answers, standing in for a hung network.
      const ssh = path.join(fx.root, 'slow-ssh');
      const mark = path.join(fx.root, 'ssh.pid');
      writeFileSync(ssh, `#!/bin/sh\necho $$ > '${mark}'\nexec sleep 60\n`);
      chmodSync(ssh, 0o755);
      writeFileSync(path.join(fx.project, 'uber.config.yaml'), ['repos:', `  - {name: orders, url: "${fx.url('orders')}"}`, '  - {name: slow, url: "ssh://git@example.invalid/slow.git"}'].join('\n'));
      const child = spawn(process.execPath, [BIN, 'sync', '--branch', 'feat-x'], { cwd: fx.project, env: { ...fx.env, CI: '1', GIT_SSH_COMMAND: ssh }, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      for (let i = 0; i < 400 && !existsSync(mark); i++) await sleep(25);
      const pid = Number(readFileSync(mark, 'utf8'));
      child.kill('SIGINT');
      assert.equal(await exited, 130, err);
      assert.match(err, /SIGINT received/);
      for (let i = 0; i < 40 && isAlive(pid); i++) await sleep(50);
      assert.equal(isAlive(pid), false, 'the hung ssh was stopped');
    });
  });
});
