// `npm run demo` as a test: every service in every account, every test passed, no account shared, writes where leased.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_TABLES } from '../scripts/demo-workspace.mjs';
import { isAlive } from '../src/exec/alive.js';
import { accountClients, baseEnv, overlappingLeases, readAuditLines, readTestRun, ROOT, runNode, tablesIn, uber, writesIn, type Ran } from './support/demo-flow.js';

/** Processes tied to a folder (Linux /proc): named in their command line or environment, or working in it. */
function processesUsing(dir: string): string[] {
  if (!existsSync('/proc')) return [];
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (cmd.includes(dir) || environ.includes(dir) || readlinkSync(`/proc/${pid}/cwd`).startsWith(dir)) out.push(`${pid}: ${cmd}`);
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

describe('e2e: the demo (scripts/demo.mjs)', function () {
  this.timeout(180_000);
  let root: string;
  let work: string;
  let env: NodeJS.ProcessEnv;
  let demo: Ran;

  before(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'uber-e2e-demo-'));
    work = path.join(root, 'demo');
    env = baseEnv(path.join(root, 'home'), { UBER_DEMO_DIR: work });
    demo = await runNode([path.join(ROOT, 'scripts', 'demo.mjs')], { cwd: ROOT, env });
  });
  after(async () => {
    await uber(['sandbox', 'down', '--dir', path.join(work, '.uber', 'sandbox')], { cwd: root, env });
    rmSync(root, { recursive: true, force: true });
  });

  it('runs every step, exits 0, says where the report is, and stops its sandbox', () => {
    assert.equal(demo.code, 0, `${demo.out}\n${demo.err}`);
    for (const step of ['1/5', '2/5', '3/5', '4/5', '5/5']) assert.match(demo.out, new RegExp(`▶ ${step}`));
    assert.match(demo.out, /sls deploy --stage \{stage\} --aws-profile \{profile\}/, 'shows the real-world deploy command');
    assert.match(demo.out, new RegExp(`Reports: ${path.join(work, '.uber', 'reports').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(demo.out, /uber demo: done/);
    // the second deploy, after one handler of orders changed: orders into each account, payments' two services unchanged
    assert.match(`${demo.out}\n${demo.err}`, /3 deploys: .*; 6 unchanged \(not deployed\)/);
    const pid = Number(/started 3 local account\(s\) \(pid (\d+)/.exec(demo.out + demo.err)?.[1]);
    assert.ok(pid > 0, 'the demo reported its sandbox pid');
    assert.equal(isAlive(pid), false, 'no sandbox process is left');
  });

  it('prints the test run summary once (from uber test; the report step adds only the deploy summary)', () => {
    const all = `${demo.out}\n${demo.err}`;
    assert.equal(all.match(/^Test run: /gm)?.length, 1, all);
    assert.equal(all.match(/^Deploy of feat-x: /gm)?.length, 1, all);
  });

  it('writes no colour codes into a pipe (mocha, uber and the demo alike)', () => {
    assert.equal(`${demo.out}${demo.err}`.includes('\x1b['), false, JSON.stringify(`${demo.out}${demo.err}`.slice(0, 2000)));
  });

  describe('what it left behind (sandbox restarted on the same data)', () => {
    before(async () => {
      const up = await uber(['sandbox', 'up', '--accounts', '3', '--dir', path.join(work, '.uber', 'sandbox')], { cwd: root, env });
      assert.equal(up.code, 0, up.err);
    });

    it('deployed every service into every account', async () => {
      for (const [profile, client] of accountClients(path.join(work, '.uber', 'sandbox'))) {
        assert.deepEqual(await tablesIn(client), DEMO_TABLES, profile);
      }
    });

    it('passed every test, and the lease audit shows no account held twice at once', () => {
      const run = readTestRun(work);
      assert.ok(run.tests.length >= 9);
      assert.deepEqual(run.tests.filter((t) => t.state !== 'passed').map((t) => t.fullTitle), []);
      assert.ok(run.files.every((f) => f.state === 'passed'));
      const audit = readAuditLines(work);
      assert.equal(audit.length, run.tests.length, 'one lease per test');
      assert.deepEqual(overlappingLeases(audit), []);
    });

    it("landed each test's writes only in the account it leased", async () => {
      const audit = readAuditLines(work);
      const writes = new Map<string, Map<string, number>>();
      for (const [profile, client] of accountClients(path.join(work, '.uber', 'sandbox'))) writes.set(profile, await writesIn(client));
      const run = readTestRun(work);
      for (const t of run.tests) {
        const lease = audit.find((l) => l.test === t.fullTitle || l.test === t.title);
        assert.ok(lease, `the audit has a lease for ${t.fullTitle}`);
        assert.equal(lease.profile, t.profile);
        for (const [profile, counts] of writes) {
          const n = counts.get(t.fullTitle) ?? 0;
          if (profile === lease.profile) assert.ok(n > 0, `${t.fullTitle} wrote into its account ${profile}`);
          else assert.equal(n, 0, `${t.fullTitle} wrote ${n} item(s) into ${profile}, which it did not lease`);
        }
      }
    });
  });

  // after the checks above: this run wipes the folder they read
  describe('a second run, interrupted', () => {
    it('runs again in the same folder, and a SIGTERM mid-deploy exits 130 with nothing left running', async () => {
      const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'demo.mjs')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let sent = false;
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        if (!sent && out.includes('▶ 3/5')) {
          sent = true;
          setTimeout(() => child.kill('SIGTERM'), 300); // while the deploys run
        }
      });
      child.stderr.resume();
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.ok(sent, `the demo reached the deploy step: ${out}`);
      assert.equal(code, 130, out);
      assert.match(out, /the sandbox is stopped/);
      assert.deepEqual(processesUsing(work), [], 'no sandbox, uber or deploy process is left');
    });
  });
});
