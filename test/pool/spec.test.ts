// --pool / test.pool / UBER_POOL parse into one typed spec; bad input is one sentence with ERR_UBER_POOL_INVALID (exit 2).
import assert from 'node:assert/strict';
import { exitCodeOf, UsageError } from '../../src/errors.js';
import { choosePool, choosePoolLeaseMs, parsePoolSpec } from '../../src/pool/spec.js';

describe('pool spec', () => {
  it('parses local and dynamodb:<profile>/<table>', () => {
    assert.deepEqual(parsePoolSpec('local'), { kind: 'local', text: 'local' });
    assert.deepEqual(parsePoolSpec(' dynamodb:ci-pool/uber-leases '), { kind: 'dynamodb', profile: 'ci-pool', table: 'uber-leases', text: 'dynamodb:ci-pool/uber-leases' });
  });

  for (const text of ['', 'redis:x/y', 'dynamodb:', 'dynamodb:ci', 'dynamodb:/t-able', 'dynamodb:ci/ab', 'dynamodb:ci/a b c', 'dynamodb:c i/table']) {
    it(`refuses "${text}" with one sentence and exit 2`, () => {
      assert.throws(
        () => parsePoolSpec(text),
        (e: unknown) => e instanceof UsageError && e.code === 'ERR_UBER_POOL_INVALID' && exitCodeOf(e) === 2 && /^--pool ".*" is not a pool \(.+\); use local or dynamodb:<profile>\/<table>/.test(e.message),
      );
    });
  }

  it('takes --pool, else test.pool, else UBER_POOL, else local', () => {
    const env = { UBER_POOL: 'dynamodb:e/env-table' };
    assert.equal(choosePool({ flag: 'dynamodb:f/flag-table', config: 'dynamodb:c/conf-table', env }).text, 'dynamodb:f/flag-table');
    assert.equal(choosePool({ flag: undefined, config: 'dynamodb:c/conf-table', env }).text, 'dynamodb:c/conf-table');
    assert.equal(choosePool({ flag: undefined, config: undefined, env }).text, 'dynamodb:e/env-table');
    assert.equal(choosePool({ flag: undefined, config: undefined, env: {} }).kind, 'local');
    assert.throws(() => choosePool({ flag: undefined, config: 'nope', env: {} }), /^UsageError: test\.pool "nope" is not a pool/);
    assert.throws(() => choosePool({ flag: undefined, config: undefined, env: { UBER_POOL: 'x' } }), /UBER_POOL "x" is not a pool/);
  });

  it('lease time: test.poolLease, else UBER_POOL_LEASE, else 60 s', () => {
    assert.equal(choosePoolLeaseMs({ config: 5, env: { UBER_POOL_LEASE: '9' } }), 5000);
    assert.equal(choosePoolLeaseMs({ config: undefined, env: { UBER_POOL_LEASE: '2.5' } }), 2500);
    assert.equal(choosePoolLeaseMs({ config: undefined, env: {} }), 60_000);
    assert.throws(() => choosePoolLeaseMs({ config: undefined, env: { UBER_POOL_LEASE: 'soon' } }), (e: unknown) => e instanceof UsageError && e.code === 'ERR_UBER_POOL_INVALID');
  });
});
