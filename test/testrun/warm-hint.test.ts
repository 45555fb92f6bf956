// How many workers `uber test` starts before it plans: --jobs, else the last run's choice beside the config, else 2.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { uberPaths } from '../../src/state/paths.js';
import { warmWorkerCount, writeWorkerHint } from '../../src/testrun/warm-hint.js';

describe('warmWorkerCount', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'uber-warm-hint-'));
    writeFileSync(path.join(dir, 'uber.config.yaml'), 'profiles: [a, b, c]\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('--jobs names it: that many from 2 up, none for a serial run or a value uber will refuse', () => {
    assert.equal(warmWorkerCount(['test', '--jobs', '3'], dir), 3);
    assert.equal(warmWorkerCount(['test', '--jobs=5'], dir), 5);
    assert.equal(warmWorkerCount(['test', '--jobs', '1'], dir), 0);
    assert.equal(warmWorkerCount(['test', '--jobs', 'many'], dir), 0);
    assert.equal(warmWorkerCount(['test', '--jobs'], dir), 0);
  });

  it('without --jobs: 2 before any run, then what the last run without --jobs chose (none after a serial one)', () => {
    assert.equal(warmWorkerCount(['test'], dir), 2);
    writeWorkerHint(uberPaths(dir), 4);
    assert.equal(warmWorkerCount(['test'], dir), 4);
    assert.equal(warmWorkerCount(['test', '--jobs', '2'], dir), 2, '--jobs still wins');
    writeWorkerHint(uberPaths(dir), 1);
    assert.equal(warmWorkerCount(['test'], dir), 0);
  });

  it('reads the hint beside the config found from a subfolder, or beside --config', () => {
    writeWorkerHint(uberPaths(dir), 3);
    mkdirSync(path.join(dir, 'test', 'deep'), { recursive: true });
    assert.equal(warmWorkerCount(['test'], path.join(dir, 'test', 'deep')), 3);
    const other = path.join(dir, 'other');
    mkdirSync(other);
    writeFileSync(path.join(other, 'ci.yaml'), 'profiles: [a]\n');
    writeWorkerHint(uberPaths(other), 6);
    assert.equal(warmWorkerCount(['--config', 'other/ci.yaml', 'test'], dir), 6);
    assert.equal(warmWorkerCount(['test', '--', '--jobs', '9'], dir), 3, 'after -- the arguments are mocha\'s');
  });

  it('no config anywhere: none (uber will refuse); a damaged hint: the default', () => {
    const bare = mkdtempSync(path.join(os.tmpdir(), 'uber-warm-bare-'));
    try {
      assert.equal(warmWorkerCount(['test'], bare), 0);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
    mkdirSync(path.join(dir, '.uber'));
    writeFileSync(uberPaths(dir).workerHint, '{"workers": 4');
    assert.equal(warmWorkerCount(['test'], dir), 2);
    writeFileSync(uberPaths(dir).workerHint, '{"workers": "four"}\n');
    assert.equal(warmWorkerCount(['test'], dir), 2);
  });
});
