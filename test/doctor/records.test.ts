// `uber doctor` says per profile whether its deploy record table can be read and written (real dynalite accounts).
import assert from 'node:assert/strict';
import { RecordTable } from '../../src/deploy/records.js';
import { startSandbox, useAccounts, type Accounts } from '../deploy/accounts.js';
import { makeProject, type Project } from '../deploy/workspace.js';
import { runCli } from '../support/run-cli.js';

describe('uber doctor: deploy records', function () {
  this.timeout(60_000);
  let sb: Accounts;
  let p: Project;
  before(async () => {
    sb = await startSandbox(2);
    p = makeProject({ repos: ['orders'], services: ['a'] });
    useAccounts(p, sb.running.map((r) => r.account));
  });
  after(async () => {
    p.cleanup();
    await sb.stop();
  });

  it('names each profile’s table: not created yet, readable and writable, or cannot be written and why', async () => {
    const first = await runCli(['doctor', '--profiles', 'sandbox-1,sandbox-2'], p.root, p.env);
    assert.match(first.out, /sandbox-1 .*\n +records uber-deploys: readable, not created yet/);
    for (const profile of ['sandbox-1', 'sandbox-2']) {
      const t = new RecordTable(profile, 'uber-deploys', p.env);
      await t.ensureTable();
      t.destroy();
    }
    useAccounts(p, [sb.running[0]!.account, await sb.denyWrites('sandbox-2')]);
    const r = await runCli(['doctor', '--profiles', 'sandbox-1,sandbox-2'], p.root, p.env);
    assert.match(r.out, /sandbox-1 .*\n +records uber-deploys: readable, writable\n/);
    assert.match(r.out, /sandbox-2 .*\n +records uber-deploys: readable, cannot be written \(AccessDeniedException/);
    const json = JSON.parse((await runCli(['doctor', '--profiles', 'sandbox-2', '--json'], p.root, p.env)).out) as { profiles: Array<{ records: { read: string; write: string } }> };
    assert.equal(json.profiles[0]!.records.read, 'ok');
    assert.match(json.profiles[0]!.records.write, /AccessDenied/);
  });
});
