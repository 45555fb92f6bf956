// Run folders for every kind: summary.json, "latest" = the newest finished run, and pruning by count and age.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beginRun, finishRun, latestFile, readLatest } from '../../src/run/finish.js';
import { newRunId, runIdTime, runPaths } from '../../src/run/id.js';
import { pruneHistory, pruneRuns } from '../../src/run/prune.js';
import { uberPaths, type UberPaths } from '../../src/state/paths.js';

const DAY = 86_400_000;

describe('run/finish + run/prune', () => {
  let dir: string;
  let paths: UberPaths;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'uber-runs-'));
    paths = uberPaths(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A finished run folder whose id says it began `at`. */
  function finished(kind: 'test' | 'deploy', at: number): string {
    const id = newRunId(kind, new Date(at));
    const rp = runPaths(paths, id);
    mkdirSync(rp.dir, { recursive: true });
    writeFileSync(rp.summary, JSON.stringify({ id, kind, startedAt: at, endedAt: at + 1, ok: true, interrupted: false }));
    return id;
  }

  it('finishRun writes summary.json and points latest (any kind, and its kind) at the newest finished run only', () => {
    const a = beginRun(paths, 'test', new Date(1_000));
    const b = beginRun(paths, 'deploy', new Date(2_000));
    assert.equal(runIdTime(a.id), 1_000);
    assert.deepEqual(finishRun(paths, b, { endedAt: 5_000, ok: true, interrupted: false }), { latest: true });
    // a run that finished earlier does not take "latest" from one that finished later
    assert.deepEqual(finishRun(paths, a, { endedAt: 3_000, ok: false, interrupted: false, details: { failed: 1 } }), { latest: true });
    assert.equal(readLatest(paths)?.id, b.id, 'latest of any kind: the deploy that finished last');
    assert.equal(readLatest(paths, 'test')?.id, a.id);
    assert.equal(readLatest(paths, 'deploy')?.id, b.id);
    const summary = JSON.parse(readFileSync(a.summary, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(summary, { id: a.id, kind: 'test', startedAt: 1_000, endedAt: 3_000, ok: false, interrupted: false, details: { failed: 1 } });
    const c = beginRun(paths, 'test', new Date(4_000));
    finishRun(paths, c, { endedAt: 6_000, ok: true, interrupted: false });
    assert.equal(readLatest(paths)?.id, c.id);
  });

  it('a damaged latest pointer is one sentence naming it', () => {
    mkdirSync(paths.runs, { recursive: true });
    writeFileSync(latestFile(paths, 'test'), '{"id": 4');
    assert.throws(() => readLatest(paths, 'test'), (e: Error) => e.name === 'UsageError' && /latest-test\.json is damaged .*; delete it and run uber again\./.test(e.message));
  });

  it('pruneRuns keeps the newest N and those younger than the age limit; never a run in progress nor a latest one', () => {
    const now = Date.UTC(2026, 11, 1);
    const ids = Array.from({ length: 6 }, (_, i) => finished('test', now - (6 - i) * 1000)); // oldest first
    const old = finished('deploy', now - 40 * DAY);
    const running = beginRun(paths, 'test', new Date(now - 50 * DAY)); // this process owns it: in progress
    mkdirSync(paths.runs, { recursive: true });
    writeFileSync(latestFile(paths, 'test'), JSON.stringify({ id: ids[0], kind: 'test', endedAt: 1 }));
    const removed = pruneRuns(paths, { runs: 3, days: 30 }, now);
    assert.deepEqual(removed.sort(), [ids[1], ids[2], old].sort());
    const left = readdirSync(paths.runs).filter((n) => !n.endsWith('.json')).sort();
    assert.deepEqual(left, [running.id, ids[0], ids[3], ids[4], ids[5]].sort());
  });

  it('pruneHistory rotates an audit past history.auditMB and drops rotated audits beyond history.auditFiles', () => {
    mkdirSync(paths.leases, { recursive: true });
    const history = { runs: 10, days: 30, auditMB: 0.001, auditFiles: 1 };
    for (let i = 0; i < 3; i++) {
      writeFileSync(paths.audit, `${'x'.repeat(2000)}\n`);
      const p = pruneHistory(paths, history, Date.UTC(2026, 11, 1, 0, 0, i));
      assert.ok(p.rotated && existsSync(p.rotated));
    }
    assert.equal(readdirSync(paths.leases).filter((n) => n.startsWith('audit-')).length, 1);
    assert.equal(existsSync(paths.audit), false);
  });
});
