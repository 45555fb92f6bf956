// Colour only where it belongs: uber test through a pipe has no escape codes unless FORCE_COLOR asks; NO_COLOR is honoured.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, runUber } from './support/uber.js';

const ESC = '\x1b[';

describe('e2e: colour in uber test output', function () {
  this.timeout(180_000);
  let root: string;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'uber-e2e-colour-'));
    writeFileSync(path.join(root, 'config'), '[profile p-1]\nregion = eu-west-1\n');
    env = { PATH: process.env.PATH, HOME: root, AWS_CONFIG_FILE: path.join(root, 'config'), AWS_SHARED_CREDENTIALS_FILE: path.join(root, 'credentials') };
    dir = path.join(root, 'project');
    mkdirSync(path.join(dir, 'test'), { recursive: true });
    writeFileSync(path.join(dir, 'uber.config.yaml'), 'profiles: [p-1]\ntest:\n  spec: ["test/*.spec.mjs"]\n');
    copyFileSync(path.join(ROOT, 'test', 'fixtures', 'suites', 'crash', 'ok.spec.mjs'), path.join(dir, 'test', 'ok.spec.mjs'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const run = async (extra: NodeJS.ProcessEnv): Promise<string> => {
    const r = await runUber(['test'], { cwd: dir, env: { ...env, ...extra }, timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /passing/);
    return r.stdout + r.stderr;
  };

  // FORCE_COLOR=0 and CI used to turn mocha's colour on for a pipe (its picocolors only asks whether they are set)
  for (const [name, extra] of [['nothing set', {}], ['CI=true', { CI: 'true' }], ['FORCE_COLOR=0', { FORCE_COLOR: '0' }], ['NO_COLOR=1', { NO_COLOR: '1' }]] as const) {
    it(`piped, ${name}: no escape codes`, async () => {
      const out = await run(extra);
      assert.equal(out.includes(ESC), false, JSON.stringify(out));
    });
  }

  it('piped, FORCE_COLOR=1: colour (FORCE_COLOR wins over NO_COLOR, as in Node)', async () => {
    assert.ok((await run({ FORCE_COLOR: '1' })).includes(ESC));
    assert.ok((await run({ FORCE_COLOR: '1', NO_COLOR: '1' })).includes(ESC));
  });
});
