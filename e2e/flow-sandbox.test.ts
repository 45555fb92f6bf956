// `uber sandbox` through the binary: export lines on stdout, default folder beside the config, reuse, usage errors, down.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAlive } from '../src/exec/alive.js';
import { baseEnv, uber } from './support/demo-flow.js';

interface StatusJson {
  state: string;
  pid: number | null;
  dir: string;
  accounts: Array<{ profile: string; endpoint: string; up: boolean }>;
}

describe('e2e: uber sandbox', function () {
  this.timeout(90_000);
  let root: string;
  let sub: string;
  let env: NodeJS.ProcessEnv;
  const run = (args: string[]) => uber(['sandbox', ...args], { cwd: sub, env });

  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'uber-e2e-sandbox-'));
    writeFileSync(path.join(root, 'uber.config.yaml'), 'repos: []\n');
    sub = path.join(root, 'deep', 'er');
    mkdirSync(sub, { recursive: true });
    env = baseEnv(root);
  });
  after(async () => {
    await run(['down']);
    rmSync(root, { recursive: true, force: true });
  });

  /** The server's pid as `status --json` reports it. */
  const statusPid = async (): Promise<number | null> => (JSON.parse((await run(['status', '--json'])).out) as StatusJson).pid;

  describe('with a running sandbox', () => {
    let up: Awaited<ReturnType<typeof run>>;
    before(async () => {
      up = await run(['up', '--accounts', '2', '--in-memory']);
    });

    it('up puts the sandbox beside the config and prints two export lines a shell can eval', () => {
      assert.equal(up.code, 0, up.err);
      const dir = path.join(root, '.uber', 'sandbox');
      assert.equal(up.out, `export AWS_CONFIG_FILE=${dir}/aws/config\nexport AWS_SHARED_CREDENTIALS_FILE=${dir}/aws/credentials\n`);
      const shown = execFileSync('sh', ['-c', `eval "$0"; printf '%s\\n' "$AWS_CONFIG_FILE"`, up.out], { encoding: 'utf8' });
      assert.equal(shown.trim(), `${dir}/aws/config`);
      assert.ok(existsSync(`${dir}/aws/credentials`));
      assert.equal(existsSync(path.join(root, '.aws')), false, 'the user\'s own ~/.aws is never written');
    });

    it('status --json tells what runs where; a second up reuses the same server', async () => {
      const s = JSON.parse((await run(['status', '--json'])).out) as StatusJson;
      assert.equal(s.state, 'running');
      assert.deepEqual(s.accounts.map((a) => [a.profile, a.up]), [['sandbox-1', true], ['sandbox-2', true]]);
      const again = await run(['up', '--accounts', '2', '--in-memory']);
      assert.equal(again.code, 0);
      assert.match(again.err, new RegExp(`reusing 2 local account\\(s\\) \\(pid ${s.pid}`));
    });

    it('exits 2 with one sentence for bad usage, and changes nothing', async () => {
      const pid = await statusPid();
      assert.ok(pid);
      for (const args of [['up', '--accounts', '0'], ['up', '--accounts', '5', '--in-memory']]) {
        const r = await run(args);
        assert.equal(r.code, 2, args.join(' '));
        assert.equal(r.err.trim().split('\n').length, 1, r.err);
      }
      assert.equal(await statusPid(), pid, 'the running sandbox is untouched');
    });
  });

  it('down stops the server and leaves no process; status says so', async () => {
    assert.equal((await run(['up', '--accounts', '2', '--in-memory'])).code, 0);
    const pid = await statusPid();
    assert.ok(pid);
    const r = await run(['down']);
    assert.equal(r.code, 0);
    assert.match(r.err, new RegExp(`stopped \\(pid ${pid}\\)`));
    assert.equal(isAlive(pid), false);
    const again = await run(['down']);
    assert.equal(again.code, 0, 'down is idempotent');
    assert.match(again.err, /nothing runs in/);
  });
});
