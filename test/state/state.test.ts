// .uber/state.json read through its schema: a damaged file is one sentence and exit 2 from every reader; killed deploys keep accounts out of uber test.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { Ctx } from '../../src/context.js';
import { LeaseStore } from '../../src/lease/store.js';
import { planTestRun } from '../../src/testrun/plan.js';
import { readState, updateState, writeState, type UberState } from '../../src/state/state.js';
import { runCli } from '../support/run-cli.js';
import { deadPid } from '../support/dead-pid.js';

const good: UberState = {
  version: 1,
  branch: 'main',
  finishedAt: '2026-12-02T00:00:00.000Z',
  interrupted: false,
  repos: { orders: { commit: 'abc', branch: 'main', fallback: false } },
  profiles: { x: { healthy: true, failed: [] }, y: { healthy: false, failed: ['orders'] }, z: { healthy: true, failed: [] } },
  deploys: [{ repo: 'orders', service: '.', profile: 'y', status: 'failed', failureClass: 'permanent', rule: 'credentials', attempts: [], durationMs: 0, log: '/l' }],
};

const damaged: Record<string, string> = {
  truncated: JSON.stringify(good).slice(0, 60),
  'version only': '{"version":1}',
  'a wrong type': JSON.stringify({ ...good, profiles: { x: { healthy: 'yes', failed: [] } } }),
};

describe('state/state', () => {
  let dir: string;
  let file: string;
  let ctx: Ctx & { err: () => string };
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'uber-state-'));
    file = path.join(dir, '.uber', 'state.json');
    mkdirSync(path.join(dir, '.uber'));
    mkdirSync(path.join(dir, 'test'));
    writeFileSync(path.join(dir, 'test', 'a.spec.mjs'), '');
    writeFileSync(path.join(dir, 'aws'), ['x', 'y', 'z'].map((p) => `[profile ${p}]\nregion = us-east-1\n`).join('\n'));
    writeFileSync(path.join(dir, 'uber.config.yaml'), 'profiles: [x, y, z]\ntest:\n  spec: ["test/*.spec.mjs"]\n');
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (b: Buffer) => (err += b.toString()));
    ctx = { cwd: dir, env: { HOME: dir, AWS_CONFIG_FILE: path.join(dir, 'aws'), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none') }, stdout: new PassThrough(), stderr, signal: new AbortController().signal, interactive: false, debug: false, err: () => err };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every field it writes, rule included, through the schema', () => {
    writeFileSync(file, JSON.stringify({ ...good, fromNewerUber: 1 }));
    const s = readState(file)!;
    assert.equal(s.deploys[0]!.rule, 'credentials');
    assert.equal((s as unknown as Record<string, unknown>).fromNewerUber, 1);
  });

  for (const [kind, text] of Object.entries(damaged)) {
    it(`reports a state.json that is ${kind} as exit 2 with one sentence from uber test and uber report — never a fallback; --profiles does not read it`, async () => {
      writeFileSync(file, text);
      const sentence = new RegExp(`^The deploy state ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged \\([^)]+\\)+; remove it or run uber deploy again\\.$`);
      assert.throws(() => readState(file), (e: Error & { code?: string }) => e.name === 'UsageError' && e.code === 'ERR_UBER_STATE_DAMAGED' && sentence.test(e.message));
      await assert.rejects(planTestRun({ specs: [], extra: [] }, ctx), (e: Error) => e.name === 'UsageError' && sentence.test(e.message));
      // with --profiles the state is not a source (uber run passes its deploy's, and that deploy replaces the file)
      assert.deepEqual((await planTestRun({ specs: [], extra: [], profiles: 'x,y' }, ctx)).profiles, ['x', 'y']);
      for (const args of [['report'], ['report', '--deploys'], ['test', '--parallel']]) {
        const r = await runCli(args, dir, ctx.env);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
        const lines = r.err.trim().split('\n');
        assert.equal(lines.length, 1, `${args.join(' ')} printed more than one line: ${r.err}`);
        assert.match(lines[0]!.replace(/^uber: /, ''), sentence);
      }
    });
  }

  it('leaves out an account whose deploy was killed (and one still deploying), saying which and why', async () => {
    const dead = deadPid();
    const mark = (pid: number, runId: string) => ({ runId, pid, pidStart: null, host: os.hostname(), since: '2026-12-02T00:00:00.000Z' });
    writeFileSync(file, JSON.stringify({ ...good, profiles: { ...good.profiles, x: { healthy: false, failed: [], deploying: mark(dead, 'run-killed') }, z: { healthy: false, failed: [], deploying: mark(process.pid, 'run-live') } } }));
    writeFileSync(path.join(dir, 'aws'), ['x', 'y', 'z', 'w'].map((p) => `[profile ${p}]\nregion = us-east-1\n`).join('\n'));
    const s = readState(file)!;
    writeFileSync(file, JSON.stringify({ ...s, profiles: { ...s.profiles, w: { healthy: true, failed: [] } } }));
    const plan = await planTestRun({ specs: [], extra: [] }, ctx);
    assert.deepEqual(plan.profiles, ['w']);
    assert.match(ctx.err(), new RegExp(`uber test leaves out x: deploy run-killed \\(pid ${dead}\\) stopped before it finished; deploy into it again\\.`));
    assert.match(ctx.err(), /uber test leaves out y: its last deploy failed: orders\./);
    assert.match(ctx.err(), new RegExp(`uber test leaves out z: deploy run-live \\(pid ${process.pid}\\) is deploying into it now\\.`));
  });

  it('updates under its lock: a writer waits for the holder, then merges into what the holder wrote', async () => {
    const store = new LeaseStore({ dir: path.join(dir, '.uber', 'locks'), audit: false });
    const held = (await store.tryAcquire('state'))!;
    let written = false;
    const update = updateState(file, (cur) => ({ ...cur!, profiles: { ...cur!.profiles, w: { healthy: true, failed: [] } } })).then(() => (written = true));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(written, false, 'wrote while another process held the state lock');
    writeFileSync(file, JSON.stringify(good)); // the holder's own write
    await held.release();
    await update;
    assert.deepEqual(Object.keys(readState(file)!.profiles).sort(), ['w', 'x', 'y', 'z']);
  });

  it('writes through the one atomic write: the whole file, its folder created, no temp file left beside it', () => {
    const nested = path.join(dir, 'elsewhere', 'state.json');
    writeState(nested, good);
    assert.deepEqual(readState(nested), good);
    assert.deepEqual(readdirSync(path.dirname(nested)), ['state.json']);
  });
});
