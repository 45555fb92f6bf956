// The exit codes main gives (through the in-process runner, so tests see exactly what bin.ts exits with).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ERROR_CODES, EXIT } from '../../src/errors/codes.js';
import { runCli } from '../support/run-cli.js';

describe('cli/main', function () {
  this.timeout(120_000); // an unknown command loads every command module: slow on a loaded machine
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'uber-main-'));
    writeFileSync(path.join(dir, 'uber.config.yaml'), 'profiles: [ci-1, ci-2]\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('0 for --version, 2 with one sentence for bad usage', async () => {
    assert.equal((await runCli(['--version'], dir)).code, EXIT.ok);
    const bad = await runCli(['depoly'], dir);
    assert.equal(bad.code, EXIT.usage);
    assert.match(bad.err, /^uber: Unknown command 'depoly'.*\.\n$/);
  });

  it('130 when the run was interrupted, whatever the command returned', async () => {
    const controller = new AbortController();
    controller.abort();
    const r = await runCli(['ci', 'circleci', '--out', '-'], dir, {}, controller.signal);
    assert.equal(r.code, EXIT.interrupted);
  });

  it('every registered code maps to one of the exit codes DESIGN.md promises', () => {
    const allowed = new Set<number>(Object.values(EXIT));
    for (const [code, exit] of Object.entries(ERROR_CODES)) assert.ok(allowed.has(exit) && exit !== (EXIT.ok as number), code);
  });
});
