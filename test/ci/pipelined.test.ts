// `uber ci circleci --pipelined`: one job running uber run, valid for CircleCI's own parser, nothing secret inline.
import assert from 'node:assert/strict';
import { renderCircleConfig, type CircleOptions } from '../../src/ci/circleci.js';
import { UsageError } from '../../src/errors.js';
import { CIRCLE_BASE } from './options.js';
import { validateCircleConfig } from './validate.js';

const base: CircleOptions = { ...CIRCLE_BASE, parallelism: 1, pipelined: true };

type Step = string | Record<string, Record<string, unknown> | null>;
interface Raw {
  jobs: Record<string, { parallelism?: number; steps: Step[] }>;
  workflows: Record<string, { jobs: Record<string, { context: string[]; requires?: string[] }>[] }>;
}
const named = (steps: Step[], kind: string): Record<string, unknown>[] =>
  steps.flatMap((s) => (typeof s === 'object' && s !== null && kind in s ? [(s[kind] ?? {})] : []));

describe('ci/circleci --pipelined', () => {
  it('is one job, valid for CircleCI\'s parser, that runs uber run on the pipeline branch with the context\'s credentials', () => {
    const text = renderCircleConfig(base);
    const raw = validateCircleConfig(text) as unknown as Raw;
    assert.deepEqual(Object.keys(raw.jobs), ['deploy-and-test']);
    const job = raw.jobs['deploy-and-test']!;
    assert.equal(job.parallelism, undefined, 'one container: its tests wait for its deploys through one lease folder');
    const runs = named(job.steps, 'run').map((r) => String(r.command));
    const main = runs.filter((c) => / run --branch /.test(c));
    assert.deepEqual(main, ['npx uber --config uber.config.yaml run --branch "<< pipeline.git.branch >>" --profiles "<< pipeline.parameters.profiles >>"']);
    assert.ok(!runs.some((c) => / (deploy|test) /.test(c)), 'no separate deploy or test step');
    assert.ok(runs.findIndex((c) => c.includes('ci restore-timings')) < runs.indexOf(main[0]!), 'timings merged before the run');
    assert.ok(runs.some((c) => c.includes('ci save-timings')), 'timings kept for the next run');
    assert.deepEqual(named(job.steps, 'store_test_results'), [{ path: '.uber/reports' }]);
    const flow = Object.values(raw.workflows)[0]!.jobs;
    assert.deepEqual(flow, [{ 'deploy-and-test': { context: ['uber-aws'] } }]);
    assert.match(text, /default: ci-1,ci-2,ci-3/);
    assert.doesNotMatch(text, /__UBER_/);
  });

  it('refuses --parallelism above 1 (one machine, one lease folder) with a usage error', () => {
    assert.throws(() => renderCircleConfig({ ...base, parallelism: 2 }), (e: unknown) => e instanceof UsageError && /--pipelined writes one job/.test(e.message));
  });

  it('leaves the provision → test pair as it was without --pipelined', () => {
    const raw = validateCircleConfig(renderCircleConfig({ ...base, pipelined: false, parallelism: 3 })) as unknown as Raw;
    assert.deepEqual(Object.keys(raw.jobs).sort(), ['provision', 'test']);
  });
});
