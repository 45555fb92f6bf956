// The audit checker: overlapping leases of one profile are found; touching, other-profile and duplicate lines are not.
import assert from 'node:assert/strict';
import { findOverlaps, type AuditRecord } from '../../src/lease/audit.js';

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
