// The sandbox: isolated accounts seen through the real AWS SDK, idempotent up, ports in use skipped, down leaves nothing.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { readProfiles } from '../../src/aws/profiles.js';
import { UsageError } from '../../src/errors.js';
import { sandboxEnv } from '../../src/sandbox/aws-files.js';
import { sandboxDown, sandboxStatus, sandboxUp } from '../../src/sandbox/control.js';
import { isAlive } from '../../src/exec/alive.js';

const exec = promisify(execFile);
const fixture = path.join(import.meta.dirname, 'fixtures', 'ddb.mjs');
const ctx = { env: process.env, signal: new AbortController().signal };
const base = 20000 + Math.floor(Math.random() * 20000); // away from other suites' sandboxes; in-use ports are skipped anyway

/** Runs the fixture as a user would after the export lines: only AWS_PROFILE picks the account. */
async function ddb(dir: string, profile: string, ...args: string[]): Promise<{ region: string; tables: string[] }> {
  const env = { PATH: process.env.PATH, HOME: dir, AWS_PROFILE: profile, ...sandboxEnv((await sandboxStatus(dir)).files) };
  const { stdout } = await exec(process.execPath, [fixture, ...args], { env });
  return JSON.parse(stdout) as { region: string; tables: string[] };
}

describe('sandbox', function () {
  this.timeout(60_000);
  let root: string;
  let dir: string;

  before(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'uber-sandbox-'));
    dir = path.join(root, 'sb');
    await sandboxUp({ dir, accounts: 2, inMemory: false, basePort: base, ctx });
  });
  after(async () => {
    await sandboxDown(dir);
    rmSync(root, { recursive: true, force: true });
  });

  it('isolates accounts: a table created through sandbox-1 is invisible through sandbox-2', async () => {
    const one = await ddb(dir, 'sandbox-1', 'create', 'orders-demo');
    const two = await ddb(dir, 'sandbox-2', 'list');
    assert.ok(one.tables.includes('orders-demo'), String(one.tables));
    assert.ok(!two.tables.includes('orders-demo'), String(two.tables));
    assert.notEqual(one.region, two.region, 'each account has its own region');
  });

  it('writes one profile per account with its own region, keys and endpoint, readable by uber', async () => {
    const { files } = await sandboxStatus(dir);
    const profiles = readProfiles(sandboxEnv(files));
    const [a, b] = [profiles.get('sandbox-1'), profiles.get('sandbox-2')];
    assert.ok(a && b);
    assert.notEqual(a.endpointUrl, b.endpointUrl);
    assert.notEqual(a.accessKeyId, b.accessKeyId);
    assert.match(a.endpointUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await sandboxStatus(dir)).state, 'running');
  });

  it('reuses the running server on a second up, and refuses a different account count', async () => {
    const before = await sandboxStatus(dir);
    const again = await sandboxUp({ dir, accounts: 2, inMemory: false, basePort: base, ctx });
    assert.equal(again.reused, true);
    assert.equal(again.runtime.pid, before.pid);
    await assert.rejects(sandboxUp({ dir, accounts: 3, inMemory: false, basePort: base, ctx }), (e) => e instanceof UsageError && /already runs/.test(e.message));
  });

  it('keeps data on disk across down and up; down leaves no process', async () => {
    await ddb(dir, 'sandbox-1', 'create', 'kept-demo');
    const { pid } = await sandboxStatus(dir);
    assert.ok(pid);
    await sandboxDown(dir);
    assert.equal(isAlive(pid), false);
    const after = await sandboxStatus(dir);
    assert.equal(after.state, 'stopped');
    assert.equal(existsSync(after.files.pid), false);
    assert.equal(existsSync(after.files.awsConfig), false, 'down removes the AWS files');
    assert.deepEqual(await sandboxDown(dir).then((r) => r.stopped), undefined, 'a second down is a no-op');
    await sandboxUp({ dir, accounts: 2, inMemory: false, basePort: base, ctx });
    assert.ok((await ddb(dir, 'sandbox-1', 'list')).tables.includes('kept-demo'));
  });

  it('skips ports in use and keeps nothing on disk with --in-memory', async () => {
    const blocker = net.createServer();
    const port = base + 500;
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    const other = path.join(root, 'mem');
    try {
      const { runtime, files } = await sandboxUp({ dir: other, accounts: 2, inMemory: true, basePort: port, ctx });
      assert.ok(runtime.accounts.every((a) => a.port > port && a.dataDir === null));
      assert.equal(new Set(runtime.accounts.map((a) => a.port)).size, 2);
      await ddb(other, 'sandbox-2', 'create', 'payments-demo');
      assert.equal(existsSync(files.data), false);
      assert.match(readFileSync(files.log, 'utf8'), /in memory/);
    } finally {
      blocker.close();
      await sandboxDown(other);
    }
  });
});
