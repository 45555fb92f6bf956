// The run summary names both phases, the accounts left untested, and the time saved against deploy-then-test.
import assert from 'node:assert/strict';
import { renderRunSummary, saving } from '../../src/pipeline/summary.js';

describe('pipeline/summary', () => {
  const times = { start: 0, deployEnd: 9_000, testStart: 2_000, testEnd: 10_000, end: 10_000 };

  it('counts deploy-then-test as the deploy phase followed by the test phase', () => {
    assert.deepEqual(saving(times), { wallMs: 10_000, sequentialMs: 17_000, savedMs: 7_000 });
    assert.deepEqual(saving({ start: 0, deployEnd: 5_000, end: 5_000 }), { wallMs: 5_000, sequentialMs: 5_000, savedMs: 0 });
  });

  it('says when each account was ready, which were not tested, and what was saved', () => {
    const text = renderRunSummary({
      times,
      accounts: [{ profile: 'a', state: 'ready', at: 2_000 }, { profile: 'b', state: 'failed', at: 9_000 }],
      deploys: { ok: 3, failed: 1, cancelled: 0 },
      tests: { passed: 4, failed: 0, ok: true },
    });
    assert.match(text, /deploys 3 ok, 1 failed; accounts ready for tests: a \+2\.00 s\./);
    assert.match(text, /not tested \(a deploy into it failed\): b\./);
    assert.match(text, /tests 4 passed, 0 failed, from \+2\.00 s to \+10\.0 s \(deploys ended \+9\.00 s\)/);
    assert.match(text, /10\.0 s in all; deploy then test would take about 17\.0 s: 7\.00 s saved \(41%\)/);
  });

  it('says when nothing was deployed, so the tests started at once', () => {
    const text = renderRunSummary({
      times: { start: 0, deployEnd: 400, testStart: 150, testEnd: 3_000, end: 3_000 },
      accounts: [{ profile: 'a', state: 'ready', at: 150 }, { profile: 'b', state: 'ready', at: 150 }],
      deploys: { ok: 0, failed: 0, cancelled: 0, unchanged: 4 },
      tests: { passed: 4, failed: 0, ok: true },
    });
    assert.match(text, /deploys 0 ok, 0 failed, 4 unchanged \(not deployed\); accounts ready for tests: a \+0\.15 s, b \+0\.15 s\./);
    assert.match(text, /nothing to deploy \(every service unchanged in every account\), so the tests started at once \(\+0\.15 s\)\./);
    const some = renderRunSummary({ times, accounts: [], deploys: { ok: 1, failed: 0, cancelled: 0, unchanged: 3 }, tests: { passed: 1, failed: 0, ok: true } });
    assert.doesNotMatch(some, /nothing to deploy/);
  });

  it('says why no test ran', () => {
    const text = renderRunSummary({ times: { start: 0, deployEnd: 1_000, end: 1_000 }, accounts: [{ profile: 'a', state: 'failed', at: 900 }], deploys: { ok: 0, failed: 1, cancelled: 0 }, noTests: 'no account deployed' });
    assert.match(text, /ready for tests: none/);
    assert.match(text, /no tests ran: no account deployed; 1\.00 s in all/);
  });
});
