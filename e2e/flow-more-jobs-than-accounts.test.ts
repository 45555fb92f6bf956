// `uber test` with more jobs than accounts: tests wait for a free account, and no two ever share one.
import assert from 'node:assert/strict';
import { accountClients, overlappingLeases, peakConcurrency, readAuditLines, readTestRun, startFlow, writesIn, type Flow } from './support/demo-flow.js';

describe('e2e flow: 4 jobs, 2 accounts', function () {
  this.timeout(150_000);
  let flow: Flow;
  before(async () => {
    flow = await startFlow({ accounts: 2 });
    const d = await flow.uber(['deploy', '--branch', 'feat-x', '--profiles', 'sandbox-1,sandbox-2']);
    if (d.code !== 0) throw new Error(`deploy failed: ${d.err}`);
    flow.linkTests();
  });
  after(async () => flow?.cleanup());

  it('passes every test, never holds one account twice, and never more than two at once', async () => {
    const r = await flow.uber(['test', '--parallel', '--jobs', '4', '--profiles', 'sandbox-1,sandbox-2']);
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    const run = readTestRun(flow.work);
    assert.equal(run.jobs, 4);
    assert.ok(run.tests.length >= 9 && run.tests.every((t) => t.state === 'passed'));
    const audit = readAuditLines(flow.work);
    assert.equal(audit.length, run.tests.length, 'one lease per test');
    assert.deepEqual(overlappingLeases(audit), []);
    assert.ok(peakConcurrency(audit) <= 2);
    assert.ok(audit.every((l) => l.profile === 'sandbox-1' || l.profile === 'sandbox-2'));
    // each test's writes are in its own account only
    const clients = accountClients(flow.sandboxDir);
    const writes = new Map<string, Map<string, number>>();
    for (const [profile, client] of clients) writes.set(profile, await writesIn(client));
    for (const t of run.tests) {
      for (const [profile, counts] of writes) {
        const n = counts.get(t.fullTitle) ?? 0;
        if (profile === t.profile) assert.ok(n > 0, `${t.fullTitle} wrote into ${profile}`);
        else assert.equal(n, 0, `${t.fullTitle} wrote nothing into ${profile}`);
      }
    }
  });
});
