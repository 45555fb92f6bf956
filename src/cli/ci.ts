// `uber ci circleci` writes a CircleCI config; `uber ci restore-timings|save-timings` run inside it.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { Option } from 'commander';
import { DEFAULT_CONTEXT, DEFAULT_IMAGE, defaultParallelism, projectPaths, renderCircleConfig, repoRoot } from '../ci/circleci.js';
import { GENERATED_MARK } from '../ci/template.js';
import { restoreTimings, saveTimings } from '../ci/timings-cache.js';
import { loadConfig } from '../config/load.js';
import { say } from '../context.js';
import { resolveProfiles } from '../deploy/options.js';
import { EXIT, UsageError } from '../errors.js';
import { PROFILES_HELP } from '../options/profiles.js';
import { parseWhole } from '../options/whole.js';
import { uberPaths } from '../state/paths.js';
import { parsePoolSpec, type PoolSpec } from '../pool/spec.js';
import type { Register } from './program.js';

interface CircleFlags {
  parallelism?: string;
  profiles?: string;
  context: string;
  image: string;
  out?: string;
  force?: boolean;
  pipelined?: boolean;
  pool?: string;
  config?: string;
}

function writeConfig(file: string, text: string, force: boolean): void {
  if (existsSync(file) && !force && !readFileSync(file, 'utf8').includes(GENERATED_MARK)) {
    throw new UsageError('ERR_UBER_CI_EXISTS', `${file} exists and was not written by uber; pass --force to replace it or --out PATH to write elsewhere.`);
  }
  writeFileAtomic(file, text);
}

/** --pool for CircleCI: a DynamoDB pool (local lock files cannot be shared by containers). */
function sharedPool(text: string): Extract<PoolSpec, { kind: 'dynamodb' }> {
  const pool = parsePoolSpec(text, '--pool');
  if (pool.kind !== 'dynamodb') throw new UsageError('ERR_UBER_POOL_INVALID', `--pool ${text} keeps leases on one machine, which CircleCI containers cannot share; pass --pool dynamodb:<profile>/<table>.`);
  return pool;
}

export const registerCi: Register = (program, ctx, result) => {
  const ci = program.command('ci').description('continuous integration: write a CircleCI config that provisions, then tests across parallel containers');

  ci.command('circleci')
    .description('write a CircleCI 2.1 config: a provision job (uber deploy), then a parallel test job (uber test --parallel, one shard per container)')
    .addOption(new Option('--parallelism <n>', `test containers; each needs at least one profile (default: one per profile, at most 4)`))
    .addOption(new Option('--profiles <list>', `${PROFILES_HELP}; the accounts to provision`))
    .addOption(new Option('--context <name>', 'CircleCI context holding the AWS credentials').default(DEFAULT_CONTEXT))
    .addOption(new Option('--image <ref>', 'Docker image of both jobs').default(DEFAULT_IMAGE))
    .addOption(new Option('--out <path>', 'where to write it; "-" for stdout (default: .circleci/config.yml at the repository root)'))
    .addOption(new Option('--force', 'replace an existing config that uber did not write'))
    .addOption(new Option('--pipelined', 'one job running uber run (each account tested as soon as its deploys are done) instead of provision → parallel test'))
    .addOption(new Option('--pool <spec>', 'dynamodb:<profile>/<table>: every test container shares the whole pool and pulls units from one queue, instead of static shards'))
    .action((_opts: unknown, cmd: { optsWithGlobals: () => CircleFlags }) => {
      const flags = cmd.optsWithGlobals();
      const loaded = loadConfig(ctx.cwd, flags.config);
      const profiles = resolveProfiles(flags.profiles, loaded.config, ctx.env);
      const pipelined = flags.pipelined === true;
      const pool = flags.pool !== undefined ? sharedPool(flags.pool) : undefined;
      const parallelism = flags.parallelism !== undefined ? parseWhole('--parallelism', flags.parallelism, 1, 500) : pipelined ? 1 : defaultParallelism(profiles);
      const root = repoRoot(loaded.dir);
      const text = renderCircleConfig({ profiles, parallelism, pipelined, pool, context: flags.context, image: flags.image, ...projectPaths(loaded, root) });
      if (flags.out === '-') {
        ctx.stdout.write(text);
      } else {
        const file = path.resolve(ctx.cwd, flags.out ?? path.join(root, '.circleci', 'config.yml'));
        writeConfig(file, text, Boolean(flags.force));
        const jobs = pipelined
          ? `one job deploying into ${profiles.join(', ')} and testing each account once its deploys are done`
          : `provision into ${profiles.join(', ')}, then ${parallelism} test container${parallelism > 1 ? 's' : ''}${pool ? ` sharing the pool ${pool.text} and one queue` : ''}`;
        say(ctx, `Wrote ${file}: ${jobs}; credentials from the CircleCI context "${flags.context}".`);
        ctx.stdout.write(`${file}\n`);
      }
      result.code = EXIT.ok;
    });

  ci.command('restore-timings')
    .description('merge the timings every CircleCI container kept (.uber/ci-timings/) into .uber/timings.json')
    .action((_opts: unknown, cmd: { optsWithGlobals: () => { config?: string } }) => {
      const loaded = loadConfig(ctx.cwd, cmd.optsWithGlobals().config);
      const { merged, files } = restoreTimings(uberPaths(loaded.dir));
      say(ctx, merged > 0 ? `Merged timings from ${merged} container${merged > 1 ? 's' : ''}: history for ${files} spec files.` : 'No timing history yet: files are split evenly this time.');
      result.code = EXIT.ok;
    });

  ci.command('save-timings')
    .description("keep this container's timings (the files it ran) in .uber/ci-timings/node-<CIRCLE_NODE_INDEX>.json for the cache")
    .action((_opts: unknown, cmd: { optsWithGlobals: () => { config?: string } }) => {
      const loaded = loadConfig(ctx.cwd, cmd.optsWithGlobals().config);
      const index = ctx.env.CIRCLE_NODE_INDEX ? parseWhole('CIRCLE_NODE_INDEX', ctx.env.CIRCLE_NODE_INDEX, 0, 10_000) : 0;
      const saved = saveTimings(uberPaths(loaded.dir), index);
      say(ctx, saved ? `Kept timings of ${saved.files} spec files in ${saved.file}.` : 'No timings to keep (no test run recorded them).');
      result.code = EXIT.ok;
    });
};
