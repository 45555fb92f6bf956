// Clone and fetch through simple-git keep git.ts's guarantees: progress for the live rows, git's own words, Ctrl-C stops git and its children.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/config/load.js';
import type { Ctx } from '../../src/context.js';
import { isAlive } from '../../src/exec/alive.js';
import { syncRepos, type SyncEvent } from '../../src/workspace/sync.js';
import { makeFixture, makeRemote, type Fixture } from './fixture.js';

function ctxFor(fx: Fixture, env: NodeJS.ProcessEnv, signal = new AbortController().signal): Ctx {
  return { cwd: fx.project, env, stdout: new PassThrough(), stderr: new PassThrough(), signal, interactive: false, debug: false };
}

/** An "ssh" that runs git's remote command here; from its `after`-th connection on it does `then` instead. */
function sshShim(fx: Fixture, after: number, then: string): { env: NodeJS.ProcessEnv; url: (n: string) => string; pidFile: string } {
  const shim = path.join(fx.root, `ssh-${after}`);
  const count = path.join(fx.root, `ssh-${after}.count`);
  const pidFile = path.join(fx.root, `ssh-${after}.pid`);
  writeFileSync(
    shim,
    `#!/bin/sh\necho x >> '${count}'\nif [ "$(wc -l < '${count}')" -ge ${after} ]; then echo $$ > '${pidFile}'; ${then}; fi\nfor last; do :; done\nexec sh -c "$last"\n`,
  );
  chmodSync(shim, 0o755);
  return { env: { ...fx.env, GIT_SSH_COMMAND: shim, GIT_SSH_VARIANT: 'ssh' }, url: (n) => `ssh://shim-host${path.join(fx.remotes, `${n}.git`)}`, pidFile };
}

function config(fx: Fixture, repos: Record<string, string>): void {
  writeFileSync(path.join(fx.project, 'uber.config.yaml'), ['repos:', ...Object.entries(repos).map(([n, u]) => `  - {name: ${n}, url: "${u}"}`)].join('\n'));
}

describe('workspace/sync through simple-git', () => {
  let fx: Fixture;
  beforeEach(() => (fx = makeFixture('uber-simple-')));
  afterEach(() => fx.dispose());

  it('a large clone reports git progress on its row (receiving objects, rising)', async () => {
    makeRemote(fx, 'big', ['feat-x']);
    const work = path.join(fx.root, 'fill');
    fx.git(fx.root, 'clone', '-q', fx.url('big'), work);
    mkdirSync(path.join(work, 'data'));
    for (let i = 0; i < 400; i++) writeFileSync(path.join(work, 'data', `f${i}.txt`), `file ${i}\n`.repeat(20));
    fx.git(work, 'add', '-A');
    fx.git(work, 'commit', '-q', '-m', 'many files');
    fx.git(work, 'push', '-q', 'origin', 'main');
    config(fx, { big: fx.url('big') });
    const details: string[] = [];
    const outcomes = await syncRepos({ loaded: loadConfig(fx.project), branch: 'main', ctx: ctxFor(fx, fx.env), onEvent: (e: SyncEvent) => e.step === 'clone' && e.detail && details.push(e.detail) });
    assert.equal(outcomes[0]?.status, 'cloned', outcomes[0]?.reason);
    const receiving = details.filter((d) => d.startsWith('clone: receiving '));
    assert.ok(receiving.length > 0, `no progress in ${JSON.stringify(details)}`);
    // simple-git reads the first report of each chunk of git's stderr, so the last one seen may be short of 100%
    const seen = receiving.map((d) => /(\d+)% \((\d+)\/(\d+)\)$/.exec(d)!).map((m) => ({ percent: Number(m[1]), done: Number(m[2]), total: Number(m[3]) }));
    assert.ok(seen.every((p, i) => p.done <= p.total && (i === 0 || p.percent >= seen[i - 1]!.percent)), JSON.stringify(seen));
    assert.ok((seen[0]?.total ?? 0) > 1, 'a partial clone still receives commits and trees');
  });

  it("a fetch that fails mid-sync is reported with git's own words", async () => {
    makeRemote(fx, 'orders', ['feat-x']);
    fx.git(fx.root, 'clone', '-q', fx.url('orders'), fx.dir('orders'));
    // connection 1 is ls-remote; the fetch (connection 2) is refused by the "server"
    const ssh = sshShim(fx, 2, "echo 'ERROR: repository is locked for maintenance' >&2; exit 1");
    fx.git(fx.dir('orders'), 'remote', 'set-url', 'origin', ssh.url('orders'));
    config(fx, { orders: ssh.url('orders') });
    const [o] = await syncRepos({ loaded: loadConfig(fx.project), branch: 'feat-x', ctx: ctxFor(fx, ssh.env) });
    assert.equal(o?.status, 'failed');
    assert.match(o?.reason ?? '', /ERROR: repository is locked for maintenance/);
    assert.doesNotMatch(o?.reason ?? '', /\n/);
  });

  it('Ctrl-C during a hung clone: the sync is interrupted and git and its ssh are stopped', async () => {
    makeRemote(fx, 'orders', ['feat-x']);
    const ssh = sshShim(fx, 2, 'exec sleep 60'); // ls-remote answers; the clone hangs like a dead network
    config(fx, { orders: ssh.url('orders') });
    const ac = new AbortController();
    const sync = syncRepos({ loaded: loadConfig(fx.project), branch: 'feat-x', ctx: ctxFor(fx, ssh.env, ac.signal) });
    for (let i = 0; i < 1200 && !existsSync(ssh.pidFile); i++) await sleep(25);
    const pid = Number(readFileSync(ssh.pidFile, 'utf8'));
    assert.ok(isAlive(pid), 'the hung ssh runs');
    ac.abort();
    await assert.rejects(sync, { name: 'InterruptedError' });
    for (let i = 0; i < 40 && isAlive(pid); i++) await sleep(50);
    assert.equal(isAlive(pid), false, 'the hung ssh was stopped');
    assert.equal(existsSync(path.join(fx.dir('orders'), '.git', 'HEAD')), false, 'no half clone claims to be a repo');
  });
});
