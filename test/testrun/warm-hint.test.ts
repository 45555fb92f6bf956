// How many workers `uber test` starts before it plans: --jobs, else the last run's choice beside the config, else 2;
// never more than the cores.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { uberPaths } from '../../src/state/paths.js';
import { warmWorkerCount, writeWorkerHint } from '../../src/testrun/warm-hint.js';

describe('warmWorkerCount', () => {
  let dir: string;
  const env = {};
  const most = os.availableParallelism();
  const two = Math.min(2, most);
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'uber-warm-hint-'));
    writeFileSync(path.join(dir, 'uber.config.yaml'), 'profiles: [a, b, c]\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('--jobs names it: that many from 2 up (at most one per core), none for a serial run or a value uber refuses', () => {
    assert.equal(warmWorkerCount(['test', '--jobs', '2'], dir, env), two);
    assert.equal(warmWorkerCount(['test', '--jobs=2'], dir, env), two);
    assert.equal(warmWorkerCount(['test', '--jobs', '1000'], dir, env), most, 'mocha starts the rest when it needs them');
    assert.equal(warmWorkerCount(['test', '--jobs', '1'], dir, env), 0);
    for (const bad of ['many', '1e3', '0x40', '']) assert.equal(warmWorkerCount(['test', '--jobs', bad], dir, env), 0, bad);
    assert.equal(warmWorkerCount(['test', '--jobs', ' 4'], dir, env), Math.min(4, most), 'read as the plan reads it (parseWhole): 4');
    assert.equal(warmWorkerCount(['test', '--jobs'], dir, env), 0);
  });

  it('without --jobs: 2 before any run, then what the last run without --jobs chose (none after a serial one)', () => {
    assert.equal(warmWorkerCount(['test'], dir, env), two);
    writeWorkerHint(uberPaths(dir), 2);
    assert.equal(warmWorkerCount(['test'], dir, env), two);
    writeWorkerHint(uberPaths(dir), 3);
    assert.equal(warmWorkerCount(['test'], dir, env), Math.min(3, most));
    assert.equal(warmWorkerCount(['test', '--jobs', '2'], dir, env), two, '--jobs still wins');
    writeWorkerHint(uberPaths(dir), 1);
    assert.equal(warmWorkerCount(['test'], dir, env), 0);
  });

  it('reads the hint beside the config found from a subfolder, beside --config, or beside cwd when there is no config', () => {
    writeWorkerHint(uberPaths(dir), 2);
    mkdirSync(path.join(dir, 'test', 'deep'), { recursive: true });
    assert.equal(warmWorkerCount(['test'], path.join(dir, 'test', 'deep'), env), two);
    const other = path.join(dir, 'other');
    mkdirSync(other);
    writeFileSync(path.join(other, 'ci.yaml'), 'profiles: [a]\n');
    writeWorkerHint(uberPaths(other), 1);
    assert.equal(warmWorkerCount(['--config', 'other/ci.yaml', 'test'], dir, env), 0);
    assert.equal(warmWorkerCount(['test', '--', '--jobs', '9'], dir, env), two, 'after -- the arguments are mocha\'s');
    // no config anywhere: uber tests with its defaults and keeps its data beside cwd
    const bare = mkdtempSync(path.join(os.tmpdir(), 'uber-warm-bare-'));
    try {
      assert.equal(warmWorkerCount(['test'], bare, env), two);
      writeWorkerHint(uberPaths(bare), 1);
      assert.equal(warmWorkerCount(['test'], bare, env), 0);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  it('UBER_EARLY_WORKERS names it whatever the cores and the hint (0: none, empty: unset); a value uber refuses starts none', () => {
    writeWorkerHint(uberPaths(dir), 3);
    assert.equal(warmWorkerCount(['test'], dir, { UBER_EARLY_WORKERS: String(most + 2) }), most + 2);
    assert.equal(warmWorkerCount(['test', '--jobs', '2'], dir, { UBER_EARLY_WORKERS: '0' }), 0);
    assert.equal(warmWorkerCount(['test'], dir, { UBER_EARLY_WORKERS: '' }), Math.min(3, most));
    for (const bad of ['two', '-1', '1.5']) assert.equal(warmWorkerCount(['test'], dir, { UBER_EARLY_WORKERS: bad }), 0, bad);
    assert.equal(warmWorkerCount(['test'], dir, { UBER_EARLY_WORKERS: ' 2' }), 2, 'read as the plan reads it (parseWhole): 2');
  });

  it('a damaged hint: the default; a preload in NODE_OPTIONS (it would run before the plan): none', () => {
    mkdirSync(path.join(dir, '.uber'));
    writeFileSync(uberPaths(dir).workerHint, '{"workers": 4');
    assert.equal(warmWorkerCount(['test'], dir, env), two);
    writeFileSync(uberPaths(dir).workerHint, '{"workers": "four"}\n');
    assert.equal(warmWorkerCount(['test'], dir, env), 0);
    writeFileSync(uberPaths(dir).workerHint, '{}\n');
    assert.equal(warmWorkerCount(['test'], dir, env), two);
    for (const preload of ['--require dotenv/config', '-r ts-node/register', '--import=tsx', '--max-old-space-size=512 --loader ./l.mjs', '--experimental-loader x']) {
      assert.equal(warmWorkerCount(['test', '--jobs', '2'], dir, { NODE_OPTIONS: preload }), 0, preload);
    }
    assert.equal(warmWorkerCount(['test', '--jobs', '2'], dir, { NODE_OPTIONS: '--max-old-space-size=512 --enable-source-maps' }), two);
  });
});
