// One repo's auth or network failure never hangs on a prompt and never stops the others; git's own words are kept.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config/load.js';
import type { Ctx } from '../../src/context.js';
import { syncRepos } from '../../src/workspace/sync.js';
import { makeFixture, makeRemote, type Fixture } from './fixture.js';

describe('workspace/sync failures', () => {
  let fx: Fixture;
  let server: http.Server;
  let authUrl: string;
  before(async () => {
    fx = makeFixture();
    makeRemote(fx, 'ok', ['feat-x']);
    // A git host that wants a password: git would ask on the terminal unless told not to.
    server = http.createServer((_req, res) => res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    authUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/private.git`;
  });
  after(() => {
    server.close();
    fx.dispose();
  });

  it('fails a repo that needs credentials at once (no prompt), reports git, and syncs the rest', async () => {
    const file = path.join(fx.project, 'uber.config.yaml');
    writeFileSync(file, ['repos:', `  - {name: private, url: "${authUrl}"}`, `  - {name: ok, url: "${fx.url('ok')}"}`, `  - {name: nohost, url: "ssh://git@host.invalid/x.git"}`].join('\n'));
    const ctx: Ctx = { cwd: fx.project, env: { ...fx.env, SSH_AUTH_SOCK: '' }, stdout: new PassThrough(), stderr: new PassThrough(), signal: new AbortController().signal, interactive: false, debug: false };
    const outcomes = await syncRepos({ loaded: loadConfig(fx.project), branch: 'feat-x', ctx });
    const by = Object.fromEntries(outcomes.map((o) => [o.repo, o]));
    assert.equal(by.ok?.status, 'cloned');
    assert.equal(by.private?.status, 'failed');
    assert.match(by.private?.reason ?? '', /^fatal: could not read Username for 'http:\/\/127\.0\.0\.1:\d+': terminal prompts disabled$/);
    assert.equal(by.nohost?.status, 'failed');
    assert.match(by.nohost?.reason ?? '', /host\.invalid|Could not read from remote repository/);
  });
});
