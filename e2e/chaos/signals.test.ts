// SIGINT/SIGTERM at random moments of `uber deploy`: exit 130, no process 6 s later, no temp HOME, no lease, state says what finished.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { UberState } from '../../src/state/state.js';
import { prng } from '../../test/chaos/names.js';
import { interruptRun, type Interrupted } from '../support/interrupt.js';
import { makeChaosProject, type ChaosProject } from '../support/project.js';

const RUNS = Number(process.env.CHAOS_SIGNAL_RUNS ?? 6);

/** Deploys the state calls ok must have finished ok in the fixture's journal; ok and cancelled are the only verdicts here. */
function stateProblems(p: ChaosProject): string[] {
  const file = path.join(p.dir, '.uber', 'state.json');
  if (!existsSync(file)) return [];
  const state = JSON.parse(readFileSync(file, 'utf8')) as UberState;
  const problems: string[] = [];
  if (!state.interrupted) problems.push('state.interrupted is false');
  const finished = new Set(p.journal().filter((l) => l.event === 'end').map((l) => l.key));
  for (const d of state.deploys) {
    const key = `${d.repo}-${path.basename(d.service)}@${d.profile}`;
    if (d.status === 'ok' && !finished.has(key)) problems.push(`${key} recorded ok but never finished`);
    if (d.status !== 'ok' && d.status !== 'cancelled') problems.push(`${key} recorded ${d.status}`);
  }
  return problems;
}

describe('chaos: signals during uber deploy', function () {
  this.timeout(900_000);
  const projects: ChaosProject[] = [];
  after(() => projects.forEach((p) => p.cleanup()));

  it(`SIGINT and SIGTERM, ${RUNS} runs each at random moments`, async () => {
    const rnd = prng(Number(process.env.CHAOS_SEED ?? 20261126));
    const lane = async (signal: NodeJS.Signals): Promise<Array<Interrupted & { state: string[] }>> => {
      const p = makeChaosProject({
        repos: [{ name: 'orders', services: ['services/a', 'services/b'] }],
        profiles: ['ci-1', 'ci-2'],
        env: { SLS_FIXTURE_SLEEP_MS: '1500' },
      });
      projects.push(p);
      const out: Array<Interrupted & { state: string[] }> = [];
      for (let i = 0; i < RUNS; i += 1) {
        const r = await interruptRun(p, ['deploy', '--branch', 'main'], signal, Math.floor(rnd() * 3000));
        out.push({ ...r, state: stateProblems(p) });
      }
      return out;
    };
    const all = (await Promise.all([lane('SIGINT'), lane('SIGTERM')])).flat();
    const signalled = all.filter((r) => !r.finishedFirst);
    const bad = signalled.filter((r) => r.code !== 130 || r.leftProcesses.length || r.leftTemp.length || r.leftLeases.length || r.state.length || /\n\s+at /.test(r.stderr));
    const during = signalled.filter((r) => r.deploysStarted > 0).length;
    for (const s of ['SIGINT', 'SIGTERM'] as const) {
      const mine = signalled.filter((r) => r.signal === s);
      const clean = mine.filter((r) => !bad.includes(r)).length;
      console.log(`      signals (deploy, ${s}): ${clean}/${mine.length} runs clean (exit 130), ${mine.reduce((n, r) => n + r.leftProcesses.length, 0)} descendants after 6 s, ${mine.reduce((n, r) => n + r.leftTemp.length, 0)} temp HOMEs, ${mine.reduce((n, r) => n + r.leftLeases.length, 0)} leases`);
    }
    console.log(`      signals (deploy): ${during}/${signalled.length} signals landed while deploys ran, ${signalled.length - during} before; ${all.length - signalled.length} runs finished before their moment`);
    assert.deepEqual(bad.map((r) => ({ signal: r.signal, afterMs: r.afterMs, code: r.code, left: r.leftProcesses, temp: r.leftTemp, leases: r.leftLeases, state: r.state, stderr: r.stderr.slice(-400) })), []);
    assert.ok(signalled.length >= RUNS, 'most moments fell inside the run');
  });
});
