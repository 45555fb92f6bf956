// `node dist/bin.js sync` end to end on real file:// remotes: exit codes, --json, work never lost, names never reach a shell.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
