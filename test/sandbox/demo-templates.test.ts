// The demo services are real Serverless v3 services: `sls print` accepts each serverless.yml, and the demo's
// deploy step creates exactly the tables Serverless resolves (same names, same keys), in the profile's account.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DEPLOY_LOCAL, TEMPLATE } from '../../scripts/demo-workspace.mjs';
import { sandboxEnv } from '../../src/sandbox/aws-files.js';
import { sandboxDown, sandboxUp } from '../../src/sandbox/control.js';

const exec = promisify(execFile);
const SLS = path.resolve('node_modules', 'serverless', 'bin', 'serverless.js');
const SERVICES = ['repos/orders', 'branches/orders/feat-x', 'repos/payments/services/api', 'repos/payments/services/ledger'];

interface Resolved {
  resources?: { Resources?: Record<string, { Type: string; Properties: { TableName: string; KeySchema: unknown } }> };
}

describe('demo templates', function () {
  this.timeout(120_000);
  let home: string;
  before(() => (home = mkdtempSync(path.join(os.tmpdir(), 'uber-sls-home-'))));
  after(() => rmSync(home, { recursive: true, force: true }));

  /** Table name → key schema, as Serverless itself resolves the service at stage "demo" (offline). */
  async function slsTables(service: string): Promise<Map<string, string>> {
    const env = { PATH: process.env.PATH, HOME: home, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', SLS_INTERACTIVE_SETUP_DISABLE: '1' };
    const { stdout } = await exec(process.execPath, [SLS, 'print', '--stage', 'demo', '--format', 'json'], { cwd: path.join(TEMPLATE, service), env });
    const resolved = JSON.parse(stdout) as Resolved;
    const out = new Map<string, string>();
    for (const r of Object.values(resolved.resources?.Resources ?? {})) {
      if (r.Type === 'AWS::DynamoDB::Table') out.set(r.Properties.TableName, JSON.stringify(r.Properties.KeySchema));
    }
    return out;
  }

  it('every serverless.yml is valid for Serverless 3, and deploy-local creates exactly its tables', async () => {
    const sb = mkdtempSync(path.join(os.tmpdir(), 'uber-demo-tpl-'));
    try {
      const { files } = await sandboxUp({ dir: sb, accounts: 1, inMemory: true, basePort: 30000 + Math.floor(Math.random() * 20000), ctx: { env: process.env, signal: new AbortController().signal } });
      const env = { PATH: process.env.PATH, HOME: home, ...sandboxEnv(files) };
      const resolved = await Promise.all(SERVICES.map((s) => slsTables(s))); // CPU-bound: about 6 s of CPU each
      for (const [i, service] of SERVICES.entries()) {
        const expected = resolved[i]!;
        assert.ok(expected.size > 0, `${service} declares at least one table`);
        const { stdout } = await exec(process.execPath, [DEPLOY_LOCAL, 'deploy', '--stage', 'demo', '--aws-profile', 'sandbox-1'], { cwd: path.join(TEMPLATE, service), env });
        for (const name of expected.keys()) assert.match(stdout, new RegExp(`: ${name} (created|unchanged)`), `${service}: ${name}`);
        assert.equal(stdout.match(/: \S+ (created|unchanged)/g)?.length, expected.size, `${service}: no other tables`);
      }
    } finally {
      await sandboxDown(sb);
      rmSync(sb, { recursive: true, force: true });
    }
  });

  it('deploy-local fails with a Serverless-like message for an unknown profile', async () => {
    const env = { PATH: process.env.PATH, HOME: home, AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' };
    await assert.rejects(
      exec(process.execPath, [DEPLOY_LOCAL, 'deploy', '--stage', 'demo', '--aws-profile', 'nope'], { cwd: path.join(TEMPLATE, 'repos/orders'), env }),
      (e: { code?: number; stderr?: string }) => e.code === 1 && /Profile nope not found/.test(e.stderr ?? ''),
    );
  });
});
