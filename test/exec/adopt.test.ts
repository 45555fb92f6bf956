// adopt(): a child a library spawns with plain child_process, carrying the mark, leads its own group, and abort or its exit takes its children down.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { adopt, adoptMark, type AdoptMark } from '../../src/exec/adopt.js';
import { isAlive } from '../../src/exec/alive.js';

/** Field 5 of /proc/<pid>/stat: the process group. */
const pgrp = (pid: number): number => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[2]);

/** A shell (as a library would start it) that starts a `sleep` and prints that grandchild's pid. */
function library(mark?: AdoptMark): { child: ChildProcess; done: Promise<number | null>; grandchild: Promise<number> } {
  const child = spawn('sh', ['-c', 'sleep 30 & echo $!; wait'], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, ...mark?.env } });
  const grandchild = new Promise<number>((resolve) => child.stdout.once('data', (b: Buffer) => resolve(Number(String(b).trim()))));
  const done = new Promise<number | null>((resolve) => child.once('close', resolve));
  return { child, done, grandchild };
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(50);
  return !isAlive(pid);
}

describe('exec/adopt', function () {
  this.timeout(30_000);

  it('gives the child its own process group; abort ends it and its grandchild', async () => {
    const ac = new AbortController();
    const mark = adoptMark();
    const started = await adopt(mark, { signal: ac.signal, graceMs: 2000 }, () => Promise.resolve(library(mark)));
    const grandchild = await started.grandchild;
    const pid = started.child.pid!;
    assert.equal(pgrp(pid), pid, 'the child leads its own group');
    assert.notEqual(pgrp(pid), pgrp(process.pid));
    ac.abort();
    await started.done;
    assert.equal(await gone(grandchild), true, 'the grandchild was stopped with its group');
  });

  it("once the child exits, its group's leftovers are killed; a spawn without the mark, or outside adopt(), is left as it was", async () => {
    const ac = new AbortController();
    const mark = adoptMark();
    let unmarked: ReturnType<typeof library> | undefined;
    const inside = await adopt(mark, { signal: ac.signal, graceMs: 2000 }, () => {
      unmarked = library(); // spawned while the mark is held, but not carrying it
      return Promise.resolve(library(mark));
    });
    assert.equal(pgrp(unmarked!.child.pid!), pgrp(process.pid), 'only the marked child is detached');
    process.kill(await unmarked!.grandchild, 'SIGKILL');
    await unmarked!.done;
    const grandchild = await inside.grandchild;
    inside.child.kill('SIGTERM'); // the shell ends; its sleep would live on, reparented
    await inside.done;
    assert.equal(await gone(grandchild), true);

    const outside = library(mark);
    const other = await outside.grandchild;
    assert.equal(pgrp(outside.child.pid!), pgrp(process.pid), 'not detached: only adopt() changes how children start');
    process.kill(other, 'SIGKILL');
    await outside.done;
  });

  it("with stdin 'ignore', a child whose library left stdin unset reads /dev/null; one that chose its stdin keeps it", async () => {
    const fd0 = (stdio?: 'pipe'): Promise<string> =>
      new Promise((resolve) => {
        const child = spawn('sh', ['-c', 'readlink /proc/self/fd/0'], { env: { ...process.env, ...mark.env }, ...(stdio ? { stdio } : {}) });
        let out = '';
        child.stdout.on('data', (b: Buffer) => (out += String(b)));
        child.once('close', () => resolve(out.trim()));
      });
    const mark = adoptMark();
    const ac = new AbortController();
    const unset = await adopt(mark, { signal: ac.signal, graceMs: 2000, stdin: 'ignore' }, () => fd0());
    assert.equal(unset, '/dev/null');
    const chosen = await adopt(mark, { signal: ac.signal, graceMs: 2000, stdin: 'ignore' }, () => fd0('pipe'));
    assert.match(chosen, /^(pipe|socket):/);
    const plain = await adopt(mark, { signal: ac.signal, graceMs: 2000 }, () => fd0());
    assert.match(plain, /^(pipe|socket):/, 'without the option, as the library chose');
  });
});
