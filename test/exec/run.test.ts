// The process runner: why a process ended, group kill on abort, and no orphans when uber dies.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive as alive } from '../../src/exec/alive.js';
import { run } from '../../src/exec/run.js';

/** The line a shell's `echo ... > file` wrote: the file exists (empty) before echo writes, so wait for the newline. */
async function waitFor(file: string): Promise<string> {
  const written = (): boolean => existsSync(file) && readFileSync(file, 'utf8').endsWith('\n');
  for (let i = 0; i < 200 && !written(); i++) await sleep(25);
  return readFileSync(file, 'utf8').trim();
}

describe('exec/run', () => {
  const env = { PATH: process.env.PATH };

  it('reports exit codes and interleaved output, without a shell for arguments', async () => {
    const r = await run(['sh', '-c', 'echo out; echo err >&2; exit 3', '$(touch /tmp/never)'], { cwd: os.tmpdir(), env });
    assert.equal(r.reason, 'exit');
    assert.equal(r.exitCode, 3);
    assert.match(r.output, /out\n[\s\S]*err/);
  });

  it('passes stdout and stderr on apart as they come, and still keeps the combined output', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const sink = (into: string[]) => new Writable({ write: (c: Buffer, _e, cb) => (into.push(c.toString()), cb()) });
    const r = await run(['sh', '-c', 'echo to-out; echo to-err >&2'], { cwd: os.tmpdir(), env, stdout: sink(out), stderr: sink(err) });
    assert.equal(out.join(''), 'to-out\n');
    assert.equal(err.join(''), 'to-err\n');
    assert.match(r.output, /to-out[\s\S]*to-err|to-err[\s\S]*to-out/);
  });

  it('reports a command that cannot start, with its name', async () => {
    const r = await run(['uber-no-such-command'], { cwd: os.tmpdir(), env });
    assert.equal(r.reason, 'spawn-error');
    assert.match(r.errorMessage ?? '', /ENOENT[\s\S]*uber-no-such-command/);
  });

  it('reports death by signal', async () => {
    const r = await run(['sh', '-c', 'kill -9 $$'], { cwd: os.tmpdir(), env });
    assert.equal(r.reason, 'signal');
    assert.equal(r.signal, 'SIGKILL');
  });

  it('kills the whole process group on abort, grandchildren included', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'uber-run-'));
    const pidFile = path.join(dir, 'grandchild.pid');
    const ac = new AbortController();
    const p = run(['sh', '-c', `sleep 30 & echo $! > ${pidFile}; wait`], { cwd: dir, env, signal: ac.signal, graceMs: 500 });
    const grandchild = Number(await waitFor(pidFile));
    ac.abort();
    const r = await p;
    assert.equal(r.reason, 'cancelled');
    await sleep(100);
    assert.equal(alive(grandchild), false, 'grandchild outlived the abort');
    rmSync(dir, { recursive: true, force: true });
  });

  it('times out and says so', async () => {
    const r = await run(['sleep', '10'], { cwd: os.tmpdir(), env, timeoutMs: 200, graceMs: 200 });
    assert.equal(r.reason, 'timeout');
  });

  it('children and grandchildren die when uber itself is killed with SIGKILL', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'uber-orphan-'));
    const pidFile = path.join(dir, 'child.pid');
    const script = `import { run } from ${JSON.stringify(path.resolve('src/exec/run.ts'))};
      await run(['sh', '-c', 'sleep 30 & echo $! > ${pidFile}; wait'], { cwd: ${JSON.stringify(dir)}, env: { PATH: process.env.PATH } });`;
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'ignore' });
    const child = Number(await waitFor(pidFile));
    assert.ok(alive(child));
    parent.kill('SIGKILL');
    const t0 = Date.now();
    while (alive(child) && Date.now() - t0 < 10_000) await sleep(50);
    assert.equal(alive(child), false, 'child outlived a SIGKILLed uber by 10 s');
    rmSync(dir, { recursive: true, force: true });
  });
});
