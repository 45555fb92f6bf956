// Clone and fetch, through simple-git where the live rows show progress, keep git.ts's guarantees: git's own words, Ctrl-C stops git and its children, work never touched.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/config/load.js';
import type { Ctx } from '../../src/context.js';
import { isAlive } from '../../src/exec/alive.js';
import { progressIn } from '../../src/workspace/git.js';
import { syncRepos, type SyncEvent } from '../../src/workspace/sync.js';
import { makeFixture, makeRemote, pushCommit, snapshot, type Fixture } from './fixture.js';

function ctxFor(fx: Fixture, env: NodeJS.ProcessEnv, signal = new AbortController().signal): Ctx {
  return { cwd: fx.project, env, stdout: new PassThrough(), stderr: new PassThrough(), signal, interactive: false, debug: false };
}

/** An "ssh" that runs git's remote command here; from its `after`-th connection on it records its pid and git's, then does `then`. */
function sshShim(fx: Fixture, after: number, then: string): { env: NodeJS.ProcessEnv; url: (n: string) => string; pids: string } {
  const shim = path.join(fx.root, `ssh-${after}`);
  const count = path.join(fx.root, `ssh-${after}.count`);
  const pids = path.join(fx.root, `ssh-${after}.pids`);
  writeFileSync(
    shim,
    `#!/bin/sh\necho x >> '${count}'\nif [ "$(wc -l < '${count}')" -ge ${after} ]; then g=$PPID; n=0; while [ "$(cat /proc/$g/comm)" != git ] && [ $n -lt 5 ]; do g=$(cut -d' ' -f4 /proc/$g/stat); n=$((n+1)); done; echo "$$ $g" > '${pids}.tmp'; mv '${pids}.tmp' '${pids}'; ${then}; fi\nfor last; do :; done\nexec sh -c "$last"\n`,
  );
  chmodSync(shim, 0o755);
  return { env: { ...fx.env, GIT_SSH_COMMAND: shim, GIT_SSH_VARIANT: 'ssh' }, url: (n) => `ssh://shim-host${path.join(fx.remotes, `${n}.git`)}`, pids };
}

function config(fx: Fixture, repos: Record<string, string>): void {
  writeFileSync(path.join(fx.project, 'uber.config.yaml'), ['repos:', ...Object.entries(repos).map(([n, u]) => `  - {name: ${n}, url: "${u}"}`)].join('\n'));
}

describe('workspace/sync through simple-git', () => {
  let fx: Fixture;
  beforeEach(() => (fx = makeFixture('uber-simple-')));
  afterEach(() => fx.dispose());

  it("every progress update in a chunk of git's output counts, not only the first (a loaded machine reads many at once)", () => {
    const chunk = 'remote: Counting objects:   1% (13/1212)\rremote: Counting objects: 100% (1212/1212), done.\nReceiving objects:  40% (485/1212)\rReceiving objects: 100% (1212/1212), 1.2 MiB, done.\nResolving deltas:   0% (0/7)\r';
    assert.deepEqual(
      progressIn(chunk).map((p) => `${p.stage} ${p.percent}% (${p.processed}/${p.total})`),
      ['remote: 1% (13/1212)', 'remote: 100% (1212/1212)', 'receiving 40% (485/1212)', 'receiving 100% (1212/1212)', 'resolving 0% (0/7)'],
    );
    assert.deepEqual(progressIn('Cloning into \'x\'...\n'), []);
  });

  it("a large clone reports git's progress on its row: a percentage, rising", async () => {
    makeRemote(fx, 'big', ['feat-x']);
    const work = path.join(fx.root, 'fill');
    fx.git(fx.root, 'clone', '-q', fx.url('big'), work);
    // a partial clone receives commits and trees only: many folders, changed in a few commits
    for (let round = 0; round < 4; round++) {
      for (let d = 0; d < 150; d++) {
        mkdirSync(path.join(work, `d${d}`, 'sub'), { recursive: true });
        writeFileSync(path.join(work, `d${d}`, 'sub', 'f.txt'), `${round} ${d}\n`);
      }
      fx.git(work, 'add', '-A');
      fx.git(work, 'commit', '-q', '-m', `round ${round}`);
    }
    fx.git(work, 'push', '-q', 'origin', 'main');
    config(fx, { big: fx.url('big') });
    const rows: string[] = [];
    const outcomes = await syncRepos({ loaded: loadConfig(fx.project), branch: 'main', ctx: ctxFor(fx, fx.env), progress: true, onEvent: (e: SyncEvent) => e.step === 'clone' && rows.push(e.detail ?? e.step) });
    assert.equal(outcomes[0]?.status, 'cloned', outcomes[0]?.reason);
    const seen = rows.flatMap((d) => {
      const m = /^clone: (\w+) (\d+)% \((\d+)\/(\d+)\)$/.exec(d);
      return m ? [{ stage: m[1], percent: Number(m[2]), done: Number(m[3]), total: Number(m[4]) }] : [];
    });
    assert.ok(seen.length > 0, `no percentage on the row: ${JSON.stringify(rows)}`);
    assert.ok(seen.every((p) => p.done <= p.total && p.percent >= 0 && p.percent <= 100), JSON.stringify(seen));
    const receiving = seen.filter((p) => p.stage === 'receiving');
    assert.ok(receiving.length > 0, `no "receiving" stage in ${JSON.stringify(rows)}`);
    assert.ok(receiving.every((p, i) => i === 0 || p.percent >= receiving[i - 1]!.percent), JSON.stringify(receiving));
  });

  for (const progress of [true, false]) {
  const how = progress ? 'through simple-git (live rows)' : 'quietly on exec/run.ts (no live rows)';

  it(`a fetch and a clone that fail are reported with git's own words, one line each, ${how}`, async () => {
    makeRemote(fx, 'orders', ['feat-x']);
    makeRemote(fx, 'users', ['feat-x']);
    fx.git(fx.root, 'clone', '-q', fx.url('orders'), fx.dir('orders'));
    // connection 1 is ls-remote; the fetch or clone (connection 2) is refused by the "server"
    const ssh = sshShim(fx, 2, "echo 'ERROR: repository is locked for maintenance' >&2; exit 1");
    fx.git(fx.dir('orders'), 'remote', 'set-url', 'origin', ssh.url('orders'));
    config(fx, { orders: ssh.url('orders') });
    const [fetched] = await syncRepos({ loaded: loadConfig(fx.project), branch: 'feat-x', ctx: ctxFor(fx, ssh.env), progress });
    assert.equal(fetched?.status, 'failed');
    assert.match(fetched?.reason ?? '', /ERROR: repository is locked for maintenance/);
    assert.doesNotMatch(fetched?.reason ?? '', /\n/);
    unlinkSync(path.join(fx.root, 'ssh-2.count'));
    config(fx, { users: ssh.url('users') });
    const [cloned] = await syncRepos({ loaded: loadConfig(fx.project), branch: 'feat-x', ctx: ctxFor(fx, ssh.env), progress });
    assert.equal(cloned?.status, 'failed');
    assert.match(cloned?.reason ?? '', /ERROR: repository is locked for maintenance/);
    assert.equal(existsSync(fx.dir('users')), false, 'git removed its failed clone');
  });

  it(`Ctrl-C during a clone: interrupted, no git or ssh left alive, and no half clone taken for synced later, ${how}`, async () => {
    makeRemote(fx, 'orders', ['feat-x']);
    const ssh = sshShim(fx, 2, 'sleep 60'); // ls-remote answers; the clone hangs like a dead network
    config(fx, { orders: ssh.url('orders') });
    const ac = new AbortController();
    const sync = syncRepos({ loaded: loadConfig(fx.project), branch: 'feat-x', ctx: ctxFor(fx, ssh.env, ac.signal), progress });
    for (let i = 0; i < 2400 && !existsSync(ssh.pids); i++) await sleep(25);
    const [sshPid, gitPid] = readFileSync(ssh.pids, 'utf8').trim().split(' ').map(Number) as [number, number];
    assert.ok(isAlive(sshPid) && isAlive(gitPid), 'git and its hung ssh run');
    ac.abort();
    await assert.rejects(sync, { name: 'InterruptedError' });
    for (let i = 0; i < 100 && (isAlive(sshPid) || isAlive(gitPid)); i++) await sleep(50);
    assert.equal(isAlive(gitPid), false, 'git was stopped');
    assert.equal(isAlive(sshPid), false, 'its ssh was stopped');
    assert.equal(existsSync(path.join(fx.dir('orders'), '.git', 'HEAD')), false, 'no half clone claims to be a repo');
    // the next sync clones it whole
    rmSync(ssh.pids);
    config(fx, { orders: fx.url('orders') });
    const [again] = await syncRepos({ loaded: loadConfig(fx.project), branch: 'feat-x', ctx: ctxFor(fx, fx.env) });
    assert.equal(again?.status, 'cloned', again?.reason);
    assert.equal(fx.git(fx.dir('orders'), 'rev-parse', 'HEAD'), fx.git(fx.remotes, '--git-dir', path.join(fx.remotes, 'orders.git'), 'rev-parse', 'feat-x'));
  });
  }

  it('a clone with only staged changes, or a deleted file, is skipped and left byte-for-byte as it was, though its branch moved on', async () => {
    for (const n of ['staged', 'deleted']) {
      makeRemote(fx, n, ['feat-x']);
      fx.git(fx.root, 'clone', '-q', '--branch', 'feat-x', fx.url(n), fx.dir(n));
      pushCommit(fx, n, 'feat-x', 'next.txt', 'next\n');
    }
    writeFileSync(path.join(fx.dir('staged'), 'README.md'), 'staged edit\n');
    fx.git(fx.dir('staged'), 'add', 'README.md');
    rmSync(path.join(fx.dir('deleted'), 'README.md'));
    const before = { staged: snapshot(fx, fx.dir('staged')), deleted: snapshot(fx, fx.dir('deleted')) };
    const index = readFileSync(path.join(fx.dir('staged'), '.git', 'index'));
    config(fx, { staged: fx.url('staged'), deleted: fx.url('deleted') });
    const outcomes = await syncRepos({ loaded: loadConfig(fx.project), branch: 'feat-x', ctx: ctxFor(fx, fx.env), progress: true });
    for (const o of outcomes) {
      assert.equal(o.status, 'skipped', `${o.repo}: ${o.reason ?? ''}`);
      assert.match(o.reason ?? '', /^local changes \(1 changed file\); commit or stash them first$/);
    }
    assert.equal(snapshot(fx, fx.dir('staged')), before.staged);
    assert.equal(snapshot(fx, fx.dir('deleted')), before.deleted);
    assert.deepEqual(readFileSync(path.join(fx.dir('staged'), '.git', 'index')), index, 'not even the index was rewritten');
    assert.equal(fx.git(fx.dir('staged'), 'diff', '--cached', '--name-only'), 'README.md', 'the staged change is still staged');
  });
});
