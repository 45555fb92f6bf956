// The failure table: DESIGN.md's transient / permanent / no-op list, first cause wins, unknown is permanent.
import assert from 'node:assert/strict';
import type { RunResult } from '../../src/exec/run.js';
import { classify } from '../../src/failure/classify.js';
import { RULES } from '../../src/failure/rules.js';

const exit = (code: number, output = ''): RunResult => ({ reason: 'exit', exitCode: code, output, durationMs: 1 });

describe('failure/classify', () => {
  const cases: Array<[string, RunResult, string, string]> = [
    ['success', exit(0, 'Service deployed'), 'ok', 'success'],
    ['no changes', exit(0, 'No changes to deploy. Deployment skipped.'), 'no-op', 'no-changes'],
    ['rate exceeded', exit(1, 'Error: Rate exceeded'), 'transient', 'throttled'],
    ['throttling', exit(1, 'ThrottlingException: slow down'), 'transient', 'throttled'],
    ['too many requests', exit(1, 'TooManyRequestsException'), 'transient', 'throttled'],
    ['econnreset', exit(1, 'Error: read ECONNRESET'), 'transient', 'network'],
    ['etimedout', exit(1, 'connect ETIMEDOUT 1.2.3.4:443'), 'transient', 'network'],
    ['socket hang up', exit(1, 'Error: socket hang up'), 'transient', 'network'],
    ['stack in progress', exit(1, 'Stack:arn:aws:cloudformation:x is in UPDATE_IN_PROGRESS state and can not be updated.'), 'transient', 'stack-in-progress'],
    ['lambda 409', exit(1, 'ResourceConflictException: The operation cannot be performed at this time.'), 'transient', 'resource-conflict'],
    ['SIGKILL', { reason: 'signal', signal: 'SIGKILL', output: '', durationMs: 1 }, 'transient', 'killed'],
    ['exit 137', exit(137), 'transient', 'killed'],
    ['heap OOM', exit(134, 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory'), 'transient', 'out-of-memory'],
    ['YAML', exit(1, 'YAMLException: bad indentation of a mapping entry'), 'permanent', 'config'],
    ['unresolved variable', exit(1, 'Cannot resolve variable at "provider.stage"'), 'permanent', 'unresolved-variable'],
    ['no credentials', exit(1, 'AWS provider credentials not found.'), 'permanent', 'credentials'],
    ['invalid token', exit(1, 'The security token included in the request is invalid.'), 'permanent', 'credentials'],
    ['rollback failed', exit(1, 'is in UPDATE_ROLLBACK_FAILED state and can not be updated'), 'permanent', 'rollback-failed'],
    ['deploy bucket', exit(1, 'Could not locate deployment bucket: "x"'), 'permanent', 'deploy-bucket'],
    ['unknown', exit(2, 'something odd'), 'permanent', 'unknown-failure'],
    ['command not found', exit(127, 'uber: cannot start sls: ENOENT'), 'permanent', 'command-not-found'],
    ['timeout', { reason: 'timeout', output: 'Rate exceeded', durationMs: 1 }, 'permanent', 'timeout'],
    ['cancelled', { reason: 'cancelled', signal: 'SIGKILL', output: '', durationMs: 1 }, 'cancelled', 'cancelled'],
    ['not started', { reason: 'spawn-error', output: '', durationMs: 1, errorMessage: 'ENOENT' }, 'permanent', 'command-not-started'],
  ];
  for (const [name, result, cls, rule] of cases) {
    it(`${name} → ${cls} (${rule})`, () => {
      const c = classify(result);
      assert.equal(c.class, cls);
      assert.equal(c.rule, rule);
    });
  }

  it('a permanent message wins over a transient one in the same output', () => {
    assert.equal(classify(exit(1, 'Rate exceeded\nUPDATE_ROLLBACK_FAILED')).class, 'permanent');
  });

  it('asks for lower concurrency only for deaths from memory pressure', () => {
    assert.equal(classify({ reason: 'signal', signal: 'SIGKILL', output: '', durationMs: 1 }).lowerConcurrency, true);
    assert.equal(classify(exit(1, 'Rate exceeded')).lowerConcurrency, false);
  });

  it('is extended by adding a row', () => {
    const rules = [{ id: 'flaky-vendor', class: 'transient' as const, output: /VendorHiccup/ }, ...RULES];
    assert.equal(classify(exit(1, 'VendorHiccup 42'), rules).rule, 'flaky-vendor');
  });
});
