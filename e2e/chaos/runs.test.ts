// The probe bench, short: two terminals × two commands (deploy / test / sync at seeded moments), then every check of bench/chaos-runs.ts.
import assert from 'node:assert/strict';
import { buildProbe, checkAll, disposeProbe, negativeControls, planSteps, runTerminals, type Probe } from './runs-harness.js';

describe('chaos: terminals running deploy, test and sync at once on one project (built binary)', function () {
  this.timeout(120_000);
  let probe: Probe | undefined;
  afterEach(() => {
    disposeProbe(probe);
    probe = undefined;
  });

  it('the checkers fail on crafted bad data (overlapping leases, a moved HEAD, a file passed unrun, a lost profile)', () => {
    for (const c of negativeControls()) assert.ok(c.ok, `${c.name}: ${c.detail}`);
  });

  it('2 terminals × 2 commands: no overlapping holds, no lost state, every run finished and pointed at, HEAD unmoved under tests, nothing left behind', async () => {
    probe = await buildProbe();
    // seed 4: deploy feat-y then test | deploy main then sync feat-y (printed on failure)
    const steps = planSteps(4, 2, 4, 800);
    const ran = await runTerminals(probe, steps, 100_000);
    const failed = (await checkAll(probe, ran)).filter((c) => !c.ok);
    assert.deepEqual(failed, [], `${JSON.stringify(steps.map((l) => l.map((s) => s.args.join(' '))))}\n${ran.map((r) => `${r.args.join(' ')} → ${r.code}: ${r.stderr.slice(-300)}`).join('\n')}`);
  });
});
