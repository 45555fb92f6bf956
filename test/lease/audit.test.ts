// The audit log: overlaps found; torn lines skipped and counted; a run reads only its slice; rotation keeps it bounded.
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appendAudit, findOverlaps, markAudit, pruneAudits, readAuditAll, readAuditSince, rotateAudit, rotatedAudits, type AuditRecord } from '../../src/lease/audit.js';

const rec = (leaseId: string, profile: string, start: number, end: number): AuditRecord => ({ leaseId, profile, pid: 1, file: null, test: leaseId, start, end });

describe('lease/audit', () => {
  it('finds two leases of one profile that overlap', () => {
    const o = findOverlaps([rec('x', 'a', 0, 100), rec('y', 'a', 50, 150), rec('z', 'b', 0, 150)]);
    assert.equal(o.length, 1);
    assert.equal(o[0]?.profile, 'a');
    assert.equal(o[0]?.ms, 50);
  });

  it('accepts back-to-back leases and leases of different profiles', () => {
    assert.deepEqual(findOverlaps([rec('x', 'a', 0, 100), rec('y', 'a', 100.5, 150), rec('z', 'b', 10, 20)]), []);
  });

  it('counts a lease logged twice (holder and breaker) once, with its earliest end', () => {
    assert.deepEqual(findOverlaps([rec('x', 'a', 0, 500), rec('x', 'a', 0, 90), rec('y', 'a', 95, 200)]), []);
  });

  it('finds an overlap hidden behind a long lease', () => {
    const o = findOverlaps([rec('long', 'a', 0, 1000), rec('s1', 'a', 1001, 1001), rec('s2', 'a', 500, 600)]);
    assert.equal(o.length, 1);
  });
});

describe('lease/audit on disk', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'uber-audit-'));
    file = path.join(dir, 'audit.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('item 4: after a torn last line the next append starts on a fresh line; the torn line is skipped and counted', () => {
    appendAudit(file, rec('before', 'a', 0, 1));
    appendFileSync(file, '{"leaseId":"torn","profile":"a","st'); // the writer crashed mid-line
    appendAudit(file, rec('after', 'a', 2, 3));
    appendAudit(file, rec('next', 'a', 4, 5));
    const all = readAuditAll(file);
    assert.deepEqual(all.records.map((r) => r.leaseId), ['before', 'after', 'next']);
    assert.equal(all.torn, 1);
  });

  it('item 10: a run reads only what was appended after its mark, and only its own lines', () => {
    // the old part holds lines a whole-file reader would count for this run: reading from the mark must never see them
    const old = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ ...rec(`old-${i}`, 'a', i, i + 1), run: 'this-run' })).join('\n');
    writeFileSync(file, `${old}\n`);
    const mark = markAudit(file);
    appendAudit(file, { ...rec('mine', 'a', 10, 11), run: 'this-run' });
    appendAudit(file, { ...rec('theirs', 'b', 10, 11), run: 'other-run' });
    const slice = readAuditSince(file, mark, 'this-run');
    assert.deepEqual(slice.records.map((r) => r.leaseId), ['mine']);
    assert.deepEqual(readAuditSince(file, mark).records.map((r) => r.leaseId), ['mine', 'theirs']);
  });

  it('item 10: rotation past the size limit moves the log aside; a run that began before it still reads its whole slice', () => {
    writeFileSync(file, `${Array.from({ length: 2000 }, (_, i) => JSON.stringify(rec(`old-${i}`, 'a', i, i + 1))).join('\n')}\n`);
    const mark = markAudit(file);
    appendAudit(file, { ...rec('mine-1', 'a', 10, 11), run: 'r' });
    assert.equal(rotateAudit(file, 1_000_000_000), undefined, 'small logs stay');
    const moved = rotateAudit(file, 1000);
    assert.ok(moved && existsSync(moved) && !existsSync(file));
    appendAudit(file, { ...rec('mine-2', 'a', 12, 13), run: 'r' });
    assert.deepEqual(readAuditSince(file, mark, 'r').records.map((r) => r.leaseId), ['mine-1', 'mine-2']);
    assert.deepEqual(rotatedAudits(file), [moved]);
    assert.deepEqual(pruneAudits(file, 0, 1e12), [moved]);
    assert.deepEqual(rotatedAudits(file), []);
  });
});
