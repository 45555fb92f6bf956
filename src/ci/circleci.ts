// `uber ci circleci`: the options of a CircleCI config for this project, checked, and the config text.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { UsageError } from '../errors.js';
import { fillTemplate, GENERATED_MARK, readTemplate } from './template.js';

export const DEFAULT_CONTEXT = 'uber-aws';
export const DEFAULT_IMAGE = 'cimg/node:20.19';
export const MAX_DEFAULT_PARALLELISM = 4;

export interface CircleOptions {
  profiles: readonly string[];
  parallelism: number;
  context: string;
  image: string;
  /** Paths relative to the repository root, '/'-separated. */
  configPath: string;
  uberDir: string;
  workspace: string;
  /** Where mocha runs (test.cwd). */
  testCwd: string;
  /** One job running `uber run` (deploy and test pipelined per account) instead of provision → test. */
  pipelined?: boolean | undefined;
}

/** The repository root: the nearest folder up from `dir` holding .git; else `dir` itself. */
export function repoRoot(dir: string): string {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (existsSync(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return path.resolve(dir);
  }
}

function rel(root: string, target: string): string {
  const r = path.relative(root, target).split(path.sep).join('/');
  return r === '' ? '.' : r;
}

/** Paths of the config, .uber/ and the workspace as the CircleCI checkout sees them. */
export function projectPaths(loaded: LoadedConfig, root: string): Pick<CircleOptions, 'configPath' | 'uberDir' | 'workspace' | 'testCwd'> {
  const workspace = rel(root, loaded.workspaceDir);
  if (workspace.startsWith('../') || workspace === '..' || path.isAbsolute(workspace)) {
    throw new UsageError(
      'ERR_UBER_CI_WORKSPACE',
      `The workspace ${loaded.workspaceDir} is outside the repository ${root}, so CircleCI cannot pass it from provision to test; set workspace to a folder inside it (e.g. ./repos).`,
    );
  }
  const testCwd = rel(root, path.resolve(loaded.dir, loaded.config.test.cwd));
  if (testCwd.startsWith('../') || testCwd === '..' || path.isAbsolute(testCwd)) {
    throw new UsageError('ERR_UBER_CI_TEST_CWD', `test.cwd ${testCwd} is outside the repository ${root}, so CircleCI cannot run the suite there; point it inside the repository or the workspace.`);
  }
  return { configPath: rel(root, loaded.file), uberDir: rel(root, path.join(loaded.dir, '.uber')), workspace, testCwd };
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.@+=-]*$/;

/** Checks the options; every problem is a one-sentence UsageError and nothing is written. */
export function checkOptions(o: CircleOptions): void {
  if (!Number.isInteger(o.parallelism) || o.parallelism < 1) {
    throw new UsageError('ERR_UBER_CI_PARALLELISM', `--parallelism must be a whole number of at least 1, not ${String(o.parallelism)}.`);
  }
  if (o.pipelined && o.parallelism !== 1) {
    throw new UsageError(
      'ERR_UBER_CI_PARALLELISM',
      `--pipelined writes one job on one machine (its tests wait for the deploys through that machine's lease folder), so --parallelism ${o.parallelism} cannot apply; drop --parallelism or drop --pipelined.`,
    );
  }
  const bad = o.profiles.find((p) => !NAME.test(p));
  if (bad !== undefined) throw new UsageError('ERR_UBER_CI_PROFILE', `Profile name "${bad}" cannot be passed through CircleCI; use letters, digits and _.@+=- only.`);
  const unique = new Set(o.profiles);
  if (unique.size < o.parallelism) {
    throw new UsageError(
      'ERR_UBER_SHARD_PROFILES',
      `--parallelism ${o.parallelism} needs at least ${o.parallelism} profiles (each container leases a disjoint share) but there ${unique.size === 1 ? 'is' : 'are'} ${unique.size} (${[...unique].join(', ')}); add profiles or lower --parallelism.`,
    );
  }
  if (!NAME.test(o.context)) throw new UsageError('ERR_UBER_CI_CONTEXT', `Context name "${o.context}" is not a valid CircleCI context name; use letters, digits and _.- only.`);
  if (!/^[^\s"'<>]+$/.test(o.image)) throw new UsageError('ERR_UBER_CI_IMAGE', `Image "${o.image}" is not a Docker image reference; pass e.g. --image cimg/node:20.19.`);
}

/** The default container count: one per profile, at most MAX_DEFAULT_PARALLELISM. */
export function defaultParallelism(profiles: readonly string[]): number {
  return Math.max(1, Math.min(new Set(profiles).size, MAX_DEFAULT_PARALLELISM));
}

/** The CircleCI 2.1 config text (validated options; template filled). */
export function renderCircleConfig(o: CircleOptions, template = readTemplate(o.pipelined)): string {
  checkOptions(o);
  const header = o.pipelined ? [
    ` ${GENERATED_MARK} --pipelined from ${o.configPath}; run it again after changing profiles.`,
    ` One job runs uber run: it deploys into ${o.profiles.join(', ')} and tests each account as soon as its own`,
    ' deploys are done (an account whose deploy failed is never tested).',
    ` AWS credentials come from the CircleCI context "${o.context}" (never written here):`,
    '   UBER_AWS_CONFIG_B64       base64 of an AWS config file that defines the profiles',
    '   UBER_AWS_CREDENTIALS_B64  base64 of the matching credentials file',
  ].join('\n') : [
    ` ${GENERATED_MARK} from ${o.configPath}; run it again after changing profiles or parallelism.`,
    ` Provision deploys into ${o.profiles.join(', ')}; ${o.parallelism} test container${o.parallelism > 1 ? 's' : ''} each take a`,
    ' timing-balanced share of the spec files and a disjoint share of the healthy profiles.',
    ` AWS credentials come from the CircleCI context "${o.context}" (never written here):`,
    '   UBER_AWS_CONFIG_B64       base64 of an AWS config file that defines the profiles',
    '   UBER_AWS_CREDENTIALS_B64  base64 of the matching credentials file',
  ].join('\n');
  return fillTemplate(
    template,
    {
      __UBER_PROFILES__: o.profiles.join(','),
      __UBER_IMAGE__: o.image,
      __UBER_CONTEXT__: o.context,
      __UBER_CONFIG__: o.configPath,
      __UBER_DIR__: o.uberDir,
      __UBER_WORKSPACE__: o.workspace,
      __UBER_TESTCWD__: o.testCwd,
    },
    { __UBER_PARALLELISM__: o.parallelism },
    o.parallelism,
    header,
  );
}
