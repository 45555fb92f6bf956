// The CircleCI config: valid for CircleCI's own parser, provision → parallel test, nothing secret inline.
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { checkOptions, defaultParallelism, renderCircleConfig, type CircleOptions } from '../../src/ci/circleci.js';
import { readTemplate } from '../../src/ci/template.js';
import { UsageError } from '../../src/errors.js';
import { CIRCLE_BASE } from './options.js';
import { validateCircleConfig } from './validate.js';

const base: CircleOptions = CIRCLE_BASE;

type Step = string | Record<string, Record<string, unknown> | null>;
interface Job {
  parallelism?: number;
  steps: Step[];
}

function stepsOf(raw: unknown, job: string): Step[] {
  return ((raw as { jobs: Record<string, Job> }).jobs[job]?.steps ?? []);
}
const named = (steps: Step[], kind: string): Record<string, unknown>[] =>
  steps.flatMap((s) => (typeof s === 'object' && s !== null && kind in s ? [(s[kind] ?? {})] : []));

describe('ci/circleci', () => {
  it('passes CircleCI config parser validation for 1..4 containers', () => {
    for (let n = 1; n <= 3; n++) validateCircleConfig(renderCircleConfig({ ...base, parallelism: n }));
    validateCircleConfig(renderCircleConfig({ ...base, profiles: ['a', 'b', 'c', 'd', 'e'], parallelism: 4 }));
  });

  it('provisions with uber deploy on the pipeline branch and persists .uber/ (state, merged timings, logs) and the workspace', () => {
    const raw = validateCircleConfig(renderCircleConfig(base));
    const steps = stepsOf(raw, 'provision');
    const runs = named(steps, 'run').map((r) => String(r.command));
    const deploy = runs.find((r) => r.includes(' deploy '));
    assert.equal(deploy, 'npx uber --config uber.config.yaml deploy --branch "<< pipeline.git.branch >>" --profiles "<< pipeline.parameters.profiles >>"');
    assert.equal((raw as { parameters: { profiles: { default: string } } }).parameters.profiles.default, 'ci-1,ci-2,ci-3');
    const restores = named(steps, 'restore_cache').filter((r) => String((r.keys as string[])[0]).startsWith('uber-timings-'));
    assert.deepEqual(
      restores.map((r) => r.keys),
      [0, 1, 2].map((k) => [`uber-timings-v1-node${k}-{{ .Branch }}-`, `uber-timings-v1-node${k}-`]),
      'one restore per test container, this branch first, any branch as fallback',
    );
    assert.ok(runs.findIndex((r) => r.includes('ci restore-timings')) >= 0, 'the containers\' timings are merged once');
    assert.deepEqual(named(steps, 'persist_to_workspace')[0], { root: '.', paths: ['.uber/state.json', '.uber/timings.json', '.uber/runs', 'repos'] });
    assert.ok(named(steps, 'store_artifacts').some((a) => a.path === '.uber/runs'), 'deploy logs (in each run folder) are artifacts');
  });

  it('tests in N parallel containers that share one timing history, saving their own; JUnit results and the waterfall as artifacts', () => {
    const raw = validateCircleConfig(renderCircleConfig(base));
    const test = (raw as { jobs: Record<string, Job> }).jobs.test;
    assert.equal(test?.parallelism, 3);
    const steps = stepsOf(raw, 'test');
    assert.ok(named(steps, 'attach_workspace').length === 1);
    assert.deepEqual(
      named(steps, 'restore_cache').filter((r) => JSON.stringify(r).includes('timings')),
      [],
      'containers never restore timings themselves: one container\'s save could change another\'s split',
    );
    const runs = named(steps, 'run').map((r) => String(r.command));
    const order = ['test --parallel', 'ci save-timings'].map((c) => runs.findIndex((r) => r.includes(c)));
    assert.ok(order[0] !== undefined && order[0] >= 0 && (order[1] ?? -1) > order[0], `test → save, got ${order.join(',')}`);
    assert.ok(!runs.some((r) => r.includes('--shard')), 'the shard comes from CIRCLE_NODE_* by itself');
    const save = named(steps, 'save_cache').find((s) => String(s.key).startsWith('uber-timings-'));
    assert.equal(save?.when, 'always');
    assert.match(String(save?.key), /^uber-timings-v1-node\{\{ \.Environment\.CIRCLE_NODE_INDEX \}\}-\{\{ \.Branch \}\}-\{\{ epoch \}\}$/);
    assert.deepEqual(save?.paths, ['.uber/ci-timings']);
    assert.deepEqual(named(steps, 'store_test_results'), [{ path: '.uber/reports' }]);
    assert.ok(named(steps, 'store_artifacts').some((a) => a.path === '.uber/reports'), 'waterfall.html is an artifact');
    assert.ok(named(steps, 'store_artifacts').some((a) => a.path === '.uber/runs'), 'logs are artifacts');
  });

  it('runs provision → test, both on the cimg/node image with the npm cache and credentials from the named context', () => {
    const text = renderCircleConfig({ ...base, context: 'acme-aws', image: 'cimg/node:22.12' });
    const raw = validateCircleConfig(text) as { workflows: Record<string, { jobs: Record<string, { context: string[]; requires?: string[] }>[] }>; executors: { node: { docker: { image: string }[] } }; commands: { install: { steps: Step[] } } };
    const jobs = Object.assign({}, ...(raw.workflows['provision-and-test']?.jobs ?? [])) as Record<string, { context: string[]; requires?: string[] }>;
    assert.deepEqual(Object.keys(jobs), ['provision', 'test']);
    assert.deepEqual(jobs.test?.requires, ['provision']);
    assert.deepEqual(jobs.provision?.context, ['acme-aws']);
    assert.deepEqual(jobs.test?.context, ['acme-aws']);
    assert.equal(raw.executors.node.docker[0]?.image, 'cimg/node:22.12');
    assert.ok(named(raw.commands.install.steps, 'restore_cache').some((r) => String((r.keys as string[])[0]).includes('checksum "package-lock.json"')));
    assert.doesNotMatch(text, /AKIA|aws_secret_access_key|aws_access_key_id\s*=/i, 'no credentials inline');
    assert.doesNotMatch(text, /__UBER_/, 'every token filled');
  });

  it('puts paths under a config that lives in a sub-folder', () => {
    const text = renderCircleConfig({ ...base, configPath: 'ci/uber.config.yaml', uberDir: 'ci/.uber', workspace: 'ci/repos', testCwd: 'ci/repos/tests' });
    assert.match(text, /cd "ci\/repos\/tests"/);
    const raw = validateCircleConfig(text);
    assert.match(text, /npx uber --config ci\/uber\.config\.yaml test --parallel/);
    assert.deepEqual(named(stepsOf(raw, 'test'), 'store_test_results'), [{ path: 'ci/.uber/reports' }]);
  });

  it('refuses more containers than profiles, and other bad options, with a usage error', () => {
    const code = (o: Partial<CircleOptions>): string => {
      try {
        checkOptions({ ...base, ...o });
      } catch (e) {
        assert.ok(e instanceof UsageError);
        assert.doesNotMatch(e.message, /\n/);
        return e.code;
      }
      return 'accepted';
    };
    assert.equal(code({ parallelism: 4 }), 'ERR_UBER_SHARD_PROFILES');
    assert.equal(code({ parallelism: 0 }), 'ERR_UBER_CI_PARALLELISM');
    assert.equal(code({ profiles: ['a b', 'c', 'd'] }), 'ERR_UBER_CI_PROFILE');
    assert.equal(code({ context: 'bad context' }), 'ERR_UBER_CI_CONTEXT');
    assert.equal(code({ image: 'node 20' }), 'ERR_UBER_CI_IMAGE');
    assert.equal(code({}), 'accepted');
    assert.equal(defaultParallelism(['a', 'b', 'c', 'd', 'e', 'f']), 4);
    assert.equal(defaultParallelism(['a']), 1);
  });

  it('the validator itself rejects broken configs (so passing means something)', () => {
    interface Raw {
      version: unknown;
      jobs: { test: { steps: unknown[]; parallelism: unknown }; provision: { steps?: unknown[] } };
      workflows: Record<string, { jobs: Record<string, { requires?: string[] }>[] }>;
    }
    const good = parse(renderCircleConfig(base)) as Raw;
    const broken = (mutate: (c: Raw) => void): string => {
      const c = structuredClone(good);
      mutate(c);
      try {
        validateCircleConfig(JSON.stringify(c));
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    };
    assert.match(broken((c) => c.jobs.test.steps.push({ store_test_resultz: { path: 'x' } })), /parser rejects/);
    assert.match(broken((c) => (c.jobs.test.parallelism = 'three')), /parallelism/);
    assert.match(
      broken((c) => {
        const test = c.workflows['provision-and-test']?.jobs[1]?.test;
        if (test) test.requires = ['nope'];
      }),
      /unknown job nope/,
    );
    assert.match(broken((c) => (c.version = 2)), /2\.1/);
    assert.match(broken((c) => delete c.jobs.provision.steps), /parser rejects/);
  });

  it('the template ships as a readable CircleCI file', () => {
    const text = readTemplate();
    assert.match(text, /^version: 2\.1$/m);
    for (const token of ['__UBER_PROFILES__', '__UBER_PARALLELISM__', '__UBER_CONTEXT__', '__UBER_NODE__']) assert.ok(text.includes(token), token);
  });
});
