// The sync view: plain lines or the listr2 tree on stderr, the summary table, and JSON alone on stdout.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config/load.js';
import type { Ctx } from '../../src/context.js';
import type { SyncOutcome } from '../../src/workspace/sync.js';
import { summaryTable } from '../../src/workspace/table.js';
import { syncWithView } from '../../src/workspace/view.js';
import { makeFixture, makeRemote, writeConfig, type Fixture } from './fixture.js';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (b: Buffer) => (text += b.toString()));
  return { stream, text: () => text };
}

describe('workspace/view', () => {
  let fx: Fixture;
  before(() => {
    fx = makeFixture();
    makeRemote(fx, 'orders', ['feat-x']);
    makeRemote(fx, 'users');
    writeConfig(fx, ['orders', 'users']);
  });
  after(() => fx.dispose());

  const run = async (interactive: boolean, json: boolean): Promise<{ outcomes: SyncOutcome[]; out: string; err: string }> => {
    const out = capture();
    const err = capture();
    const ctx: Ctx = { cwd: fx.project, env: fx.env, stdout: out.stream, stderr: err.stream, signal: new AbortController().signal, interactive, debug: false };
    const outcomes = await syncWithView({ loaded: loadConfig(fx.project), branch: 'feat-x', ctx, json });
    return { outcomes, out: out.text(), err: err.text() };
  };

  it('prints one plain line per repo and the table on stderr, JSON alone on stdout', async () => {
    const r = await run(false, true);
    assert.deepEqual(JSON.parse(r.out), r.outcomes);
    assert.match(r.err, /^sync orders: cloned \[feat-x @ [0-9a-f]{7}\]$/m);
    assert.match(r.err, /^sync users: cloned \[main \(fallback\) @ [0-9a-f]{7}\]$/m);
    assert.match(r.err, /^users\s+main\s+yes\s+[0-9a-f]{7}\s+cloned$/m);
    assert.match(r.err, /^2 repos: 2 cloned$/m);
  });

  it('draws the listr2 tree on stderr in a terminal, never on stdout', async () => {
    const r = await run(true, false);
    assert.equal(r.out, '');
    assert.match(r.err, /orders — unchanged \[feat-x\]/);
    assert.match(r.err, /users — unchanged \[main \(fallback\)\]/);
    assert.match(r.err, /^2 repos: 2 unchanged$/m);
  });

  it('puts the reason of a skip or failure in the table', () => {
    const table = summaryTable([
      { repo: 'a', dir: '/w/a', branch: 'main', fallback: false, commit: 'abcdef0123', status: 'skipped', reason: 'HEAD is detached; check out a branch first' },
      { repo: 'longer-name', dir: '/w/b', branch: null, fallback: false, commit: null, status: 'failed', reason: "fatal: repository 'x' not found" },
    ]);
    assert.equal(
      table,
      [
        'REPO         BRANCH  FALLBACK  COMMIT   STATUS',
        'a            main    no        abcdef0  skipped: HEAD is detached; check out a branch first',
        "longer-name  -       no        -        failed: fatal: repository 'x' not found",
        '2 repos: 1 skipped, 1 failed',
        '',
      ].join('\n'),
    );
  });
});
