// run()'s detached mode (the sandbox server): own process group, output in the log file, only PATH-given env, why it ended.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from '../../src/exec/alive.js';
import { killGroup } from '../../src/exec/kill.js';
import { startDetached, type Detached } from '../../src/exec/run.js';

async function ended(d: Detached): Promise<ReturnType<Detached['ended']>> {
  for (let i = 0; i < 400 && d.ended() === undefined; i++) await sleep(25);
  return d.ended();
}

describe('exec/run: startDetached', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'uber-detached-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends output to the log, passes only the given env, and says how it ended', async () => {
    const log = path.join(dir, 'server.log');
    const d = startDetached([process.execPath, '-e', 'console.log("up", Object.keys(process.env).sort().join(",")); console.error("oops"); process.exit(3)'], { cwd: dir, env: { PATH: process.env.PATH, ONLY: '1' }, logFile: log });
    assert.ok(d.pid);
    assert.deepEqual(await ended(d), { reason: 'exit', exitCode: 3 });
    const text = readFileSync(log, 'utf8');
    assert.match(text, /^up ONLY,PATH\n/);
    assert.match(text, /oops/);
  });

  it('leads its own process group (Ctrl-C in the terminal does not reach it) and reports death by signal', async () => {
    const d = startDetached([process.execPath, '-e', 'setInterval(() => {}, 1000)'], { cwd: dir, env: { PATH: process.env.PATH }, logFile: path.join(dir, 'log') });
    const pid = d.pid!;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    assert.equal(pgid, pid);
    assert.equal(d.ended(), undefined);
    killGroup(pid, 'SIGTERM');
    assert.deepEqual(await ended(d), { reason: 'signal', signal: 'SIGTERM' });
    assert.equal(isAlive(pid), false);
  });

  it('says when the command cannot start', async () => {
    const d = startDetached(['uber-no-such-server'], { cwd: dir, env: { PATH: process.env.PATH }, logFile: path.join(dir, 'log') });
    const end = await ended(d);
    assert.equal(end?.reason, 'spawn-error');
    assert.match(end?.errorMessage ?? '', /ENOENT/);
  });
});
