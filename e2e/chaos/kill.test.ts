// SIGINT/SIGTERM during `uber test`, and SIGKILL of the orchestrator: children gone within 10 s, every account leasable again.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { prng } from '../../test/chaos/names.js';
import { interruptRun } from '../support/interrupt.js';
import { makeChaosProject, type ChaosProject } from '../support/project.js';
import { killTagged, taggedProcesses, waitForNoTagged } from '../support/procs.js';
import { writeSuite } from '../support/suite.js';
import { runUber, startUber } from '../support/uber.js';

const RUNS = Number(process.env.CHAOS_TEST_SIGNAL_RUNS ?? 3);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (what()) return true;
  return what();
}

/** SIGKILLs uber, then waits up to 10 s for its tagged descendants to go; returns those left and how long it took. */
async function killUber(pid: number, done: Promise<unknown>, tag: string): Promise<{ left: Awaited<ReturnType<typeof waitForNoTagged>>; gone: number }> {
  process.kill(pid, 'SIGKILL');
  await done;
  const t0 = Date.now();
  const left = await waitForNoTagged(tag, 10_000);
  const gone = Date.now() - t0;
  killTagged(tag); // whatever outlived the check must not leak into later tests
  return { left, gone };
}

describe('chaos: uber test interrupted, orchestrator killed', function () {
  this.timeout(900_000);
  const projects: ChaosProject[] = [];
  after(() => projects.forEach((p) => p.cleanup()));
  const project = (): ChaosProject => {
    const p = makeChaosProject({ profiles: ['ci-1', 'ci-2'] });
    projects.push(p);
    return p;
  };

  it(`uber test: SIGINT and SIGTERM, ${RUNS} runs each at random moments`, async () => {
    const p = project();
    // 9 tests of 1.5 s on 2 workers: the run lasts well past the latest moment (3 s), so every signal lands mid-run
    writeSuite(p, 3, 3, 1500);
    const rnd = prng(7);
    const results = [];
    for (let i = 0; i < RUNS * 2; i += 1) {
      results.push(await interruptRun(p, ['test', '--profiles', 'ci-1,ci-2', '--jobs', '2'], i % 2 ? 'SIGTERM' : 'SIGINT', Math.floor(rnd() * 3000)));
    }
    const signalled = results.filter((r) => !r.finishedFirst);
    const bad = signalled.filter((r) => r.code !== 130 || r.leftProcesses.length || r.leftLeases.length);
    console.log(`      signals (uber test): ${signalled.length}/${results.length} landed mid-run, ${signalled.length - bad.length}/${signalled.length} runs clean (exit 130), ${signalled.reduce((n, r) => n + r.leftProcesses.length, 0)} descendants after 6 s, ${signalled.reduce((n, r) => n + r.leftLeases.length, 0)} leases held`);
    // a run that ended before its signal checks nothing: all of them must have been signalled while uber ran
    assert.deepEqual(results.filter((r) => r.finishedFirst).map((r) => ({ signal: r.signal, afterMs: r.afterMs, code: r.code })), [], 'every signal landed mid-run');
    assert.deepEqual(bad.map((r) => ({ signal: r.signal, afterMs: r.afterMs, code: r.code, left: r.leftProcesses, leases: r.leftLeases, stderr: r.stderr.slice(-300) })), []);
  });

  it('uber deploy killed with SIGKILL: its deploys are gone within 10 s', async () => {
    const p = project();
    p.env.SLS_FIXTURE_SLEEP_MS = '60000';
    const run = startUber(['deploy', '--branch', 'main'], { cwd: p.dir, env: p.env, timeoutMs: 180_000 });
    assert.ok(await until(() => p.journal().filter((l) => l.event === 'start').length >= 2, 120_000), 'two deploys started');
    const { left, gone } = await killUber(run.pid, run.done, p.tag);
    console.log(`      SIGKILL (deploy): ${left.length} children alive 10 s later (all gone after ${(gone / 1000).toFixed(1)} s)`);
    assert.deepEqual(left, []);
  });

  it('uber test killed with SIGKILL: mocha and its workers are gone within 10 s, and the next uber test leases every account', async () => {
    const p = project();
    writeSuite(p, 2, 1, 60_000);
    const run = startUber(['test', '--profiles', 'ci-1,ci-2', '--jobs', '2'], { cwd: p.dir, env: p.env, timeoutMs: 180_000 });
    assert.ok(await until(() => p.leases().length === 2, 120_000), `both accounts leased: ${run.stderr()}`);
    const { left, gone } = await killUber(run.pid, run.done, p.tag);
    const heldAfterKill = p.leases().length;

    // Each account on its own, so a lock left behind by the killed run could not hide behind the other account.
    const log = writeSuite(p, 2, 2, 50); // overwrites the 60 s files of the killed run
    const leased: string[] = [];
    const failed: string[] = [];
    for (const profile of ['ci-1', 'ci-2']) {
      rmSync(log, { force: true });
      const next = await runUber(['test', '--profiles', profile, '--jobs', '1', '--lease-timeout', '20'], { cwd: p.dir, env: p.env, timeoutMs: 180_000 });
      if (next.code !== 0) failed.push(`${profile}: exit ${next.code}: ${next.stderr.slice(-600)}`);
      if (existsSync(log)) leased.push(...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean)));
    }
    leased.sort();
    console.log(`      SIGKILL (uber test): ${left.length} children alive 10 s later (${(gone / 1000).toFixed(1)} s), ${heldAfterKill} stale lock files, next runs leased ${leased.join('+') || 'nothing'} (${failed.length} failed)`);
    assert.deepEqual(left.map((f) => f.cmd), []);
    assert.deepEqual(failed, []);
    assert.deepEqual(leased, ['ci-1', 'ci-2']);
    assert.deepEqual(taggedProcesses(p.tag), []);
  });
});
