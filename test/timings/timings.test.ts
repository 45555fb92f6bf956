// Timing history: atomic write, tolerant read, fresh results winning per file.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mergeTimings, readTimings, timingKey, writeTimings, type Timings } from '../../src/timings/timings.js';

describe('timings', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'uber-timings-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips through a file and leaves no temp file behind', () => {
    const file = path.join(dir, 'nested', 'timings.json');
    const t: Timings = { version: 1, updatedAt: '2026-01-01T00:00:00.000Z', files: { 'test/a.spec.js': { ms: 1200, tests: { 'a works': 1100 } } } };
    writeTimings(file, t);
    assert.deepEqual(readTimings(file), t);
    assert.deepEqual(readdirSync(path.dirname(file)), ['timings.json']);
  });

  it('treats a missing, corrupt or foreign file as no history', () => {
    assert.equal(readTimings(path.join(dir, 'absent.json')), undefined);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{ not json');
    assert.equal(readTimings(bad), undefined);
    writeFileSync(bad, JSON.stringify({ version: 2, files: {} }));
    assert.equal(readTimings(bad), undefined);
  });

  it('item 3: a damaged file is ignored with one warning that names it; damaged entries with one more', () => {
    const bad = path.join(dir, 'damaged.json');
    const warnings: string[] = [];
    writeFileSync(bad, '{"version":1,"files":{"a":{"ms":1');
    assert.equal(readTimings(bad, (m) => warnings.push(m)), undefined);
    writeFileSync(bad, JSON.stringify({ version: 1, files: [] }));
    assert.equal(readTimings(bad, (m) => warnings.push(m)), undefined);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0] ?? '', /^uber: ignoring .*damaged\.json: it is damaged/);
    writeFileSync(bad, JSON.stringify({ version: 1, updatedAt: 'x', files: { good: { ms: 5, tests: {} }, bad: { ms: 'slow' } } }));
    assert.deepEqual(Object.keys(readTimings(bad, (m) => warnings.push(m))?.files ?? {}), ['good']);
    assert.match(warnings[2] ?? '', /ignoring 1 damaged entry in /);
  });

  it('drops malformed entries but keeps good ones', () => {
    const file = path.join(dir, 'mixed.json');
    writeFileSync(file, JSON.stringify({ version: 1, updatedAt: 'x', files: { good: { ms: 5, tests: {} }, bad: { ms: 'slow' }, neg: { ms: -1, tests: {} } } }));
    assert.deepEqual(Object.keys(readTimings(file)?.files ?? {}), ['good']);
  });

  it('merges: fresh wins per file, others are kept', () => {
    const old: Timings = { version: 1, updatedAt: 'then', files: { a: { ms: 10, tests: {} }, b: { ms: 20, tests: {} } } };
    const merged = mergeTimings(old, { b: { ms: 99, tests: { t: 98 } }, c: { ms: 5, tests: {} } });
    assert.deepEqual(merged.files, { a: { ms: 10, tests: {} }, b: { ms: 99, tests: { t: 98 } }, c: { ms: 5, tests: {} } });
    assert.notEqual(merged.updatedAt, 'then');
    assert.deepEqual(mergeTimings(undefined, { x: { ms: 1, tests: {} } }).files, { x: { ms: 1, tests: {} } });
  });

  it("keeps a worker's start-up cost: the fresh measure wins, else the old one stays; a damaged one is dropped alone", () => {
    const old: Timings = { version: 1, updatedAt: 'then', files: {}, workerStartMs: 300 };
    assert.equal(mergeTimings(old, {}, 240).workerStartMs, 240);
    assert.equal(mergeTimings(old, {}).workerStartMs, 300);
    assert.equal('workerStartMs' in mergeTimings(undefined, {}), false);
    const file = path.join(dir, 'start.json');
    writeTimings(file, mergeTimings(old, { a: { ms: 5, tests: {} } }));
    assert.equal(readTimings(file)?.workerStartMs, 300);
    writeFileSync(file, JSON.stringify({ version: 1, updatedAt: 'x', files: { a: { ms: 5, tests: {} } }, workerStartMs: 'slow' }));
    const read = readTimings(file);
    assert.deepEqual(Object.keys(read?.files ?? {}), ['a']);
    assert.equal(read?.workerStartMs, undefined);
  });

  it('keys are /-separated without a leading ./', () => {
    assert.equal(timingKey('./test\\a.spec.js'), 'test/a.spec.js');
  });
});
