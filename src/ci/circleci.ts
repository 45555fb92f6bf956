// `uber ci circleci`: the options of a CircleCI config for this project, checked, and the config text.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { UsageError } from '../errors.js';
import type { PoolSpec } from '../pool/spec.js';
import { isMap, isSeq, type Document } from 'yaml';
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
  /** A shared pool: every test container leases from all the profiles and pulls units from one queue (no static shards). */
  pool?: Extract<PoolSpec, { kind: 'dynamodb' }> | undefined;
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
  if (o.pool && o.pipelined) {
    throw new UsageError('ERR_UBER_CI_PARALLELISM', '--pool writes parallel test containers that share one queue, and --pipelined writes one job; drop one of them.');
  }
  if (o.pool && !NAME.test(o.pool.profile)) throw new UsageError('ERR_UBER_CI_PROFILE', `Pool profile name "${o.pool.profile}" cannot be passed through CircleCI; use letters, digits and _.@+=- only.`);
  const unique = new Set(o.profiles);
  // with a shared pool every container leases from all the profiles: containers may outnumber them
  if (!o.pool && unique.size < o.parallelism) {
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
  ].join('\n') : o.pool ? [
    ` ${GENERATED_MARK} --pool ${o.pool.text} from ${o.configPath}; run it again after changing profiles or parallelism.`,
    ` Provision deploys into ${o.profiles.join(', ')}; ${o.parallelism} test container${o.parallelism > 1 ? 's' : ''} share the whole pool`,
    ` (leases are items in the DynamoDB table ${o.pool.table}, reached as profile ${o.pool.profile}) and pull spec files`,
    ' and units from one queue in that table (run id: the workflow id and job name), instead of static shards.',
    ` AWS credentials come from the CircleCI context "${o.context}" (never written here); they define ${o.pool.profile} too:`,
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
    o.pool ? (doc) => sharePool(doc, o.pool!) : undefined,
  );
}

/** Name of the test step each container runs (the static shard's, in templates/circleci/config.yml). */
const SHARD_STEP = /^Test this container's shard/;

/**
 * The shared-pool variant: both jobs take the pool from UBER_POOL (deploys and tests lease through it), and each test
 * container runs `uber test --queue` on the whole pool instead of its shard.
 */
function sharePool(doc: Document, pool: Extract<PoolSpec, { kind: 'dynamodb' }>): void {
  doc.setIn(['parameters', 'profiles', 'description'], 'AWS profiles to deploy into; every test container leases from all of them through the shared pool.');
  for (const job of ['provision', 'test']) doc.setIn(['jobs', job, 'environment'], doc.createNode({ UBER_POOL: pool.text }));
  const steps = doc.getIn(['jobs', 'test', 'steps'], true);
  if (!isSeq(steps)) throw new Error('templates/circleci/config.yml has no test steps');
  let found = false;
  for (const step of steps.items) {
    const run = isMap(step) ? step.get('run', true) : undefined;
    if (!isMap(run) || !SHARD_STEP.test(String(run.get('name')))) continue;
    run.set('name', "Pull spec files and units from the run's shared queue (every container leases from the whole pool)");
    run.set('command', `${String(run.get('command'))} --queue`);
    found = true;
  }
  if (!found) throw new Error("templates/circleci/config.yml has no step named \"Test this container's shard\"");
}
