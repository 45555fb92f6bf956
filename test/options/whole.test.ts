// The one whole-number parser: digits within bounds, else one sentence with one code (exit 2).
import assert from 'node:assert/strict';
import { UsageError } from '../../src/errors.js';
import { parseWhole } from '../../src/options/whole.js';

function failure(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof UsageError, String(e));
    return { code: e.code, message: e.message };
  }
  throw new Error('did not throw');
}

describe('options/whole', () => {
  it('takes digits within bounds, from text or a number', () => {
    assert.equal(parseWhole('--jobs', '3', 1), 3);
    assert.equal(parseWhole('--jobs', ' 12 ', 1), 12);
    assert.equal(parseWhole('--retry', '0', 0, 10), 0);
    assert.equal(parseWhole('--concurrency', 256, 1, 256), 256);
  });

  it('refuses anything else with ERR_UBER_BAD_NUMBER and one sentence naming the flag, the range and an example', () => {
    for (const bad of ['', 'x', '-1', '2.5', '1e3', '0x10', '11', '9007199254740993']) {
      assert.equal(failure(() => parseWhole('--retry', bad, 0, 10)).code, 'ERR_UBER_BAD_NUMBER', bad);
    }
    assert.equal(failure(() => parseWhole('--concurrency', 2.5, 1, 256)).code, 'ERR_UBER_BAD_NUMBER');
    assert.equal(failure(() => parseWhole('--retry', '11', 0, 10)).message, '--retry must be a whole number from 0 to 10, not "11"; e.g. --retry 2.');
    assert.equal(failure(() => parseWhole('--jobs', '0', 1)).message, '--jobs must be a whole number of at least 1, not "0"; e.g. --jobs 2.');
    assert.equal(failure(() => parseWhole('CIRCLE_NODE_INDEX', 'x', 0, 10_000)).message, 'CIRCLE_NODE_INDEX must be a whole number from 0 to 10000, not "x"; e.g. CIRCLE_NODE_INDEX=2.');
  });
});
