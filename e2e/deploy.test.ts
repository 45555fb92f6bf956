// `node dist/bin.js deploy` end to end: exit codes, --json, secrets kept out of everything, Ctrl-C cleans up (exit 130), SIGKILL leaves no false health.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { UberState } from '../src/state/state.js';
import { KEY_ID, makeProject, SECRET, type Project } from '../test/deploy/workspace.js';

const BIN = path.resolve('dist/bin.js');

function uber(p: Project, args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: p.root, env: { ...p.env, ...env }, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function allFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('e2e: uber deploy', function () {
  this.timeout(120_000);
  let p: Project;
  afterEach(() => p?.cleanup());

  it('exits 0 and prints the run as JSON on stdout (progress and summary on stderr)', () => {
    p = makeProject({ repos: ['orders'], services: ['a', 'b'], profiles: ['ci-1', 'ci-2'] });
    const r = uber(p, ['deploy', '--branch', 'feat/x', '--no-sync', '--json']);
    assert.equal(r.code, 0, r.err);
    const state = JSON.parse(r.out) as UberState;
    assert.equal(state.deploys.length, 4);
    assert.deepEqual(state, JSON.parse(readFileSync(path.join(p.root, '.uber', 'state.json'), 'utf8')));
    assert.match(r.err, /service\s+ci-1\s+ci-2/);
    assert.match(r.err, /4 deploys: 4 ok/);
  });

  it('exits 2 for an unknown profile, listing the known ones; nothing runs', () => {
    p = makeProject({ repos: ['orders'], services: ['a'] });
    const r = uber(p, ['deploy', '--branch', 'feat/x', '--no-sync', '--profiles', 'ci-1,ci-9']);
    assert.equal(r.code, 2);
    assert.match(r.err, /^uber: Profile "ci-9" is not in .*; known profiles: ci-1, ci-2, ci-3\.\n$/);
    assert.deepEqual(p.journalLines(), []);
  });

  it('--profiles defaults to UBER_PROFILES when the config has none, and the flag wins over it', () => {
    p = makeProject({ repos: ['orders'], services: ['a'] });
    const cfg = path.join(p.root, 'uber.config.json');
    const c = JSON.parse(readFileSync(cfg, 'utf8')) as { profiles?: string[] };
    delete c.profiles;
    writeFileSync(cfg, JSON.stringify(c));
    assert.equal(uber(p, ['deploy', '--branch', 'b', '--no-sync'], { UBER_PROFILES: 'ci-2' }).code, 0);
    assert.equal(uber(p, ['deploy', '--branch', 'b', '--no-sync', '--profiles', 'ci-3'], { UBER_PROFILES: 'ci-2' }).code, 0);
    assert.deepEqual(p.journalLines().filter((l) => l.event === 'start').map((l) => l.aws.AWS_PROFILE), ['ci-2', 'ci-3']);
  });

  it('keeps a secret planted in the credentials file and echoed by a failing deploy out of output, logs, state and JSON', () => {
    p = makeProject({ repos: ['orders'], services: ['a'], profiles: ['ci-1', 'ci-2'], env: { SLS_FIXTURE_PERMANENT: '1', SLS_FIXTURE_ECHO_SECRET: '1', SLS_FIXTURE_MATCH: '@ci-2$' } });
    const r = uber(p, ['deploy', '--branch', 'feat/x', '--no-sync', '--json']);
    assert.equal(r.code, 1);
    assert.match(r.err, /aws_secret_access_key = \*\*\*/, 'the echo did reach the output, redacted');
    const state = JSON.parse(r.out) as UberState;
    assert.equal(state.profiles['ci-2']!.healthy, false);
    const files = allFiles(path.join(p.root, '.uber'));
    assert.ok(files.some((f) => f.endsWith('orders--services-a.log')));
    for (const [name, text] of [['stdout', r.out], ['stderr', r.err], ...files.map((f) => [f, readFileSync(f, 'utf8')])] as const) {
      assert.ok(!text.includes(SECRET), `secret in ${name}`);
      assert.ok(!text.includes(KEY_ID), `key id in ${name}`);
    }
  });

  it('on SIGINT mid-run kills every deploy, removes temp dirs, records the run as interrupted, exits 130', async () => {
    p = makeProject({ repos: ['orders'], services: ['a', 'b'], profiles: ['ci-1', 'ci-2'], deploy: { concurrency: 4 }, env: { SLS_FIXTURE_SLEEP_MS: '60000' } });
    const child = spawn(process.execPath, [BIN, 'deploy', '--branch', 'feat/x', '--no-sync'], { cwd: p.root, env: p.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    let gone = false;
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => ((gone = true), resolve(code))));
    for (let i = 0; i < 600 && !gone && p.journalLines().length < 4; i += 1) await new Promise((r) => setTimeout(r, 100));
    const pids = p.journalLines().map((l) => l.pid);
    assert.equal(pids.length, 4, err);
    const sent = Date.now();
    child.kill('SIGINT');
    const code = await exited;
    const took = Date.now() - sent;
    assert.equal(code, 130, err);
    assert.ok(took < 6000, `took ${took} ms`);
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/, `fixture ${pid} still alive`);
    assert.deepEqual(readdirSync(p.tmp), []);
    const state = JSON.parse(readFileSync(path.join(p.root, '.uber', 'state.json'), 'utf8')) as UberState;
    assert.equal(state.interrupted, true);
    assert.match(err, /SIGINT received/);
  });

  it('after SIGKILL mid-run: the accounts it was deploying stay unhealthy (uber test says why), and the next run removes its temp folder', async () => {
    p = makeProject({ repos: ['orders'], services: ['a'], profiles: ['ci-1', 'ci-2'], env: { SLS_FIXTURE_SLEEP_MS: '60000' } });
    assert.equal(uber(p, ['deploy', '--branch', 'feat/x', '--no-sync'], { SLS_FIXTURE_SLEEP_MS: '50' }).code, 0);
    const child = spawn(process.execPath, [BIN, 'deploy', '--branch', 'feat/x', '--no-sync', '--profiles', 'ci-2'], { cwd: p.root, env: p.env, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const starts = (): number => p.journalLines().filter((l) => l.event === 'start').length;
    for (let i = 0; i < 600 && starts() < 3; i += 1) await new Promise((r) => setTimeout(r, 100));
    assert.equal(starts(), 3, 'the second deploy started');
    child.kill('SIGKILL');
    await exited;
    const state = JSON.parse(readFileSync(path.join(p.root, '.uber', 'state.json'), 'utf8')) as UberState;
    assert.equal(state.profiles['ci-1']!.healthy, true);
    assert.equal(state.profiles['ci-2']!.healthy, false, 'a killed deploy does not leave its account healthy');
    assert.equal(state.profiles['ci-2']!.deploying!.pid, child.pid);
    const left = readdirSync(p.tmp).filter((n) => n.startsWith('uber-deploy-'));
    assert.equal(left.length, 1, 'the killed run left its temp folder');
    // a live run's folder is never touched: one owned by this (live) test process
    const live = path.join(p.tmp, 'uber-deploy-live');
    mkdirSync(live);
    writeFileSync(path.join(live, '.uber-owner.json'), JSON.stringify({ host: hostname(), pid: process.pid, pidStart: null }));
    // uber test leaves ci-2 out and says why (the spec fails fast: no test cwd is needed to see the plan's words)
    const t = uber(p, ['test', '--parallel', 'nothing.spec.mjs']);
    assert.match(t.err, new RegExp(`uber test leaves out ci-2: deploy \\S+-deploy-[0-9a-f]{6} \\(pid ${child.pid}\\) stopped before it finished; deploy into it again\\.`));
    const again = uber(p, ['deploy', '--branch', 'feat/x', '--no-sync', '--profiles', 'ci-2'], { SLS_FIXTURE_SLEEP_MS: '50' });
    assert.equal(again.code, 0, again.err);
    // the killed run's sentinel removes its own folder once its grace period is over (src/exec/watchdog.ts)
    for (let i = 0; i < 100 && readdirSync(p.tmp).some((n) => n.startsWith('uber-sentinel-')); i += 1) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(readdirSync(p.tmp), ['uber-deploy-live']);
    const after = JSON.parse(readFileSync(path.join(p.root, '.uber', 'state.json'), 'utf8')) as UberState;
    assert.equal(after.profiles['ci-2']!.healthy, true);
    assert.equal(after.profiles['ci-2']!.deploying, undefined);
  });
});
