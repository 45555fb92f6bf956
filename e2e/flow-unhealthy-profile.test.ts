// A deploy that fails permanently in one account: that profile is unhealthy, `uber test` leases only the other two.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEMO_TABLES, DEPLOY_LOCAL } from '../scripts/demo-workspace.mjs';
import type { UberState } from '../src/state/state.js';
import { accountClients, readAuditLines, readTestRun, startFlow, tablesIn, type Flow } from './support/demo-flow.js';

const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'deploy-fails-in.mjs');

describe('e2e flow: one account fails its deploy', function () {
  this.timeout(150_000);
  let flow: Flow;
  before(async () => {
    flow = await startFlow({
      accounts: 3,
      deployCommand: `node '${FIXTURE}' sandbox-2 node '${DEPLOY_LOCAL}' deploy --stage {stage} --aws-profile {profile}`,
    });
  });
  after(async () => flow?.cleanup());

  it('deploy exits 1, marks sandbox-2 unhealthy after one attempt per service, deploys the others', async () => {
    const r = await flow.uber(['deploy', '--branch', 'feat-x', '--profiles', 'sandbox-1,sandbox-2,sandbox-3']);
    assert.equal(r.code, 1, r.err);
    const state = JSON.parse(readFileSync(path.join(flow.work, '.uber', 'state.json'), 'utf8')) as UberState;
    assert.deepEqual(
      Object.entries(state.profiles).map(([p, s]) => [p, s.healthy]),
      [['sandbox-1', true], ['sandbox-2', false], ['sandbox-3', true]],
    );
    const failed = state.deploys.filter((d) => d.profile === 'sandbox-2');
    assert.equal(failed.length, 3);
    for (const d of failed) {
      assert.equal(d.status, 'failed');
      assert.equal(d.failureClass, 'permanent');
      assert.equal(d.attempts.length, 1, 'a permanent failure is not retried');
    }
    const clients = accountClients(flow.sandboxDir);
    assert.deepEqual(await tablesIn(clients.get('sandbox-1')!), DEMO_TABLES);
    assert.deepEqual(await tablesIn(clients.get('sandbox-2')!), []);
    assert.deepEqual(await tablesIn(clients.get('sandbox-3')!), DEMO_TABLES);
  });

  it('uber test runs on the two healthy accounts only and exits 0', async () => {
    flow.linkTests();
    const r = await flow.uber(['test', '--parallel']);
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    const run = readTestRun(flow.work);
    assert.deepEqual([...run.profiles].sort(), ['sandbox-1', 'sandbox-3']);
    assert.ok(run.tests.length > 0 && run.tests.every((t) => t.state === 'passed'));
    const leased = new Set(readAuditLines(flow.work).map((l) => l.profile));
    assert.deepEqual([...leased].sort(), ['sandbox-1', 'sandbox-3']);
  });

  it('exits 2 and runs nothing for bad usage: an unknown profile', async () => {
    const before = readAuditLines(flow.work).length;
    const r = await flow.uber(['test', '--parallel', '--profiles', 'sandbox-1,sandbox-9']);
    assert.equal(r.code, 2);
    assert.match(r.err, /"sandbox-9"/);
    assert.equal(readAuditLines(flow.work).length, before);
  });
});
