// Temp and disk: an unwritable .uber/ and a nearly full disk (a 1 MiB tmpfs) fail with one clear sentence, no stack trace, repos untouched.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeChaosProject, type ChaosProject } from '../support/project.js';
import { killTagged } from '../support/procs.js';
import { snapshot } from '../support/snapshot.js';
import { runUber, type UberRun } from '../support/uber.js';

function tryRun(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A tmpfs of `kb` KiB at dir, filled until about `freeKb` KiB are left; false where mounting is not allowed. */
function fullDisk(dir: string, kb: number, freeKb: number): boolean {
  mkdirSync(dir, { recursive: true });
  if (!tryRun('mount', ['-t', 'tmpfs', '-o', `size=${kb}k`, 'tmpfs', dir])) return false;
  try {
    writeFileSync(path.join(dir, "ballast"), Buffer.alloc((kb - freeKb) * 1024));
  } catch {
    // full already: fine
  }
  return true;
}

/** One clear sentence: the last stderr line starts with "uber: ", no stack trace, not an internal error. */
function clearFailure(r: UberRun): string[] {
  const why: string[] = [];
  const last = r.stderr.trim().split('\n').at(-1) ?? '';
  if (r.code === 0 || r.code === null) why.push(`exit ${r.code}`);
  if (/\n\s+at .+:\d+:\d+/.test(r.stderr)) why.push('stack trace');
  if (/internal error/.test(r.stderr)) why.push('reported as an internal error');
  if (!/^uber: .+(ENOSPC|EACCES|EPERM|EROFS|no space|not writable|full|permission)/i.test(last)) why.push(`last line unclear: ${JSON.stringify(last)}`);
  return why;
}

describe('chaos: temp and disk', function () {
  this.timeout(600_000);
  let p: ChaosProject;
  const mounts: string[] = [];
  const immutable: string[] = [];
  afterEach(() => {
    for (const d of immutable.splice(0)) tryRun('chattr', ['-i', d]);
    for (const m of mounts.splice(0)) tryRun('umount', ['-l', m]);
    if (p) killTagged(p.tag);
    p?.cleanup();
  });

  async function synced(): Promise<{ p: ChaosProject; before: ReturnType<typeof snapshot> }> {
    p = makeChaosProject({ repos: [{ name: 'orders' }], profiles: ['ci-1'] });
    const first = await runUber(['sync', '--branch', 'main'], { cwd: p.dir, env: p.env });
    assert.equal(first.code, 0, first.stderr);
    return { p, before: snapshot(path.join(p.workspace, 'orders'), p.env) };
  }

  it('an unwritable .uber/ (chattr +i as root, chmod otherwise): clear sentence, repos untouched', async function () {
    const { p, before } = await synced();
    const uber = path.join(p.dir, '.uber');
    mkdirSync(uber, { recursive: true });
    const root = process.getuid?.() === 0;
    if (root) {
      if (!tryRun('chattr', ['+i', uber])) this.skip();
      immutable.push(uber);
    } else tryRun('chmod', ['0555', uber]);
    const r = await runUber(['deploy', '--branch', 'main'], { cwd: p.dir, env: p.env });
    const why = clearFailure(r);
    const same = JSON.stringify(snapshot(path.join(p.workspace, 'orders'), p.env)) === JSON.stringify(before);
    console.log(`      disk (unwritable .uber): exit ${r.code}, ${why.length ? why.join('; ') : 'one clear sentence'}, repo ${same ? 'untouched' : 'CHANGED'}, ${p.journal().length} deploys started`);
    assert.deepEqual(why, [], r.stderr.slice(-1500));
    assert.ok(same);
  });

  it('a nearly full disk under .uber/ (a full 1 MiB tmpfs): clear sentence, repos untouched', async function () {
    const { p, before } = await synced();
    const uber = path.join(p.dir, '.uber');
    if (!fullDisk(uber, 1024, 0)) {
      console.log('      disk (full .uber): mount refused here; not checked');
      this.skip();
    }
    mounts.push(uber);
    const r = await runUber(['deploy', '--branch', 'main'], { cwd: p.dir, env: { ...p.env, SLS_FIXTURE_CHATTY: '1' } });
    const why = clearFailure(r);
    const same = JSON.stringify(snapshot(path.join(p.workspace, 'orders'), p.env)) === JSON.stringify(before);
    console.log(`      disk (full .uber): exit ${r.code}, ${why.length ? why.join('; ') : 'one clear sentence'}, repo ${same ? 'untouched' : 'CHANGED'}`);
    assert.deepEqual(why, [], r.stderr.slice(-1500));
    assert.ok(same);
  });

  it('a disk that fills up mid-run (8 KiB left under .uber/): no crash, no stack trace; a failure names ENOSPC', async function () {
    p = makeChaosProject({ repos: [{ name: 'orders', services: ['services/a', 'services/b'] }], profiles: ['ci-1', 'ci-2'], deploy: { command: 'chaos-leak --stage {stage}' } });
    const canaryFile = path.join(p.root, 'canaries.json');
    writeFileSync(canaryFile, JSON.stringify(['x'.repeat(3000)]));
    const first = await runUber(['sync', '--branch', 'main'], { cwd: p.dir, env: p.env });
    assert.equal(first.code, 0, first.stderr);
    const before = snapshot(path.join(p.workspace, 'orders'), p.env);
    const uber = path.join(p.dir, '.uber');
    if (!fullDisk(uber, 1024, 8)) this.skip();
    mounts.push(uber);
    const r = await runUber(['deploy', '--branch', 'main'], { cwd: p.dir, env: { ...p.env, SLS_FIXTURE_CANARIES: canaryFile } });
    const why: string[] = [];
    if (r.code === null) why.push('killed');
    if (/\n\s+at .+:\d+:\d+/.test(r.stderr) || /internal error|Unhandled/.test(r.stderr)) why.push('stack trace or internal error');
    if (r.code !== 0 && !/ENOSPC/.test(r.stderr.trim().split('\n').at(-1) ?? '')) why.push(`exit ${r.code} without naming ENOSPC last`);
    const same = JSON.stringify(snapshot(path.join(p.workspace, 'orders'), p.env)) === JSON.stringify(before);
    console.log(`      disk (fills mid-run): exit ${r.code}, ${why.length ? why.join('; ') : 'clear'}, repo ${same ? 'untouched' : 'CHANGED'}`);
    assert.deepEqual(why, [], r.stderr.slice(-1500));
    assert.ok(same);
  });

  it('a nearly full TMPDIR (deploy copies and HOMEs): clear failure per deploy, repos untouched', async function () {
    const { p, before } = await synced();
    const tmp = path.join(p.root, 'fulltmp');
    if (!fullDisk(tmp, 1024, 0)) this.skip();
    mounts.push(tmp);
    const r = await runUber(['deploy', '--branch', 'main'], { cwd: p.dir, env: { ...p.env, TMPDIR: tmp } });
    // the run itself works; each deploy fails, and uber says why in its own words
    const why: string[] = [];
    if (r.code !== 1) why.push(`exit ${r.code}`);
    if (/\n\s+at .+:\d+:\d+/.test(r.stderr) || /internal error/.test(r.stderr)) why.push('stack trace or internal error');
    if (!/uber could not prepare the isolated copy of .*: ENOSPC: no space left on device/.test(r.stderr)) why.push('ENOSPC not named');
    const same = JSON.stringify(snapshot(path.join(p.workspace, 'orders'), p.env)) === JSON.stringify(before);
    console.log(`      disk (full TMPDIR): exit ${r.code}, ${why.length ? why.join('; ') : 'clear'}, repo ${same ? 'untouched' : 'CHANGED'}`);
    assert.deepEqual(why, [], r.stderr.slice(-1500));
    assert.ok(same);
  });
});
