// The CircleCI options a project's config gives `uber ci circleci`, shared by the config tests (each adds its own).
import type { CircleOptions } from '../../src/ci/circleci.js';

export const CIRCLE_BASE: CircleOptions = {
  profiles: ['ci-1', 'ci-2', 'ci-3'],
  parallelism: 3,
  context: 'uber-aws',
  image: 'cimg/node:20.19',
  configPath: 'uber.config.yaml',
  uberDir: '.uber',
  workspace: 'repos',
  testCwd: 'repos/tests',
};
