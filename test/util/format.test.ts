// The one duration formatter and the one column renderer: the forms every report and message shares.
import assert from 'node:assert/strict';
import { columns, secs, table } from '../../src/util/format.js';

describe('util/format', () => {
  it('secs: two decimals below 10 s, one below a minute, minutes and padded seconds above', () => {
    assert.deepEqual([1500, 9_994, 9_996, 12_345, 59_949, 59_999, 125_000, 3_599_600].map(secs), ['1.50 s', '9.99 s', '10.0 s', '12.3 s', '59.9 s', '1 m 00 s', '2 m 05 s', '60 m 00 s']);
    assert.equal(secs(Number.NaN), '-');
  });

  it('table: figures right-aligned after the first column by default, no trailing spaces', () => {
    assert.equal(table(['file', 'ms'], [['a.spec', '5'], ['bb.spec', '1200']]), ['file       ms', 'a.spec      5', 'bb.spec  1200'].join('\n'));
  });

  it('table left: every column left-aligned; rule: a rule under the header and under the last row', () => {
    assert.equal(
      table(['service', 'ci-1'], [['orders', 'ok'], ['api', 'failed']], { left: true, rule: true }),
      ['service  ci-1', '───────  ──────', 'orders   ok', 'api      failed', '───────  ──────'].join('\n'),
    );
  });

  it('columns: rows without a header, padded to the widest cell, the last column never padded', () => {
    assert.deepEqual(columns([['deploy', 'ci-1', 'why'], ['unchanged', 'ci-10', '']], { left: true }), ['deploy     ci-1   why', 'unchanged  ci-10']);
    assert.deepEqual(columns([]), []);
  });
});

