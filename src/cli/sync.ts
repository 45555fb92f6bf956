// `uber sync --branch B [--repos a,b] [--concurrency N] [--json]`: every repo onto one branch, safely.
import { Option } from 'commander';
import { loadConfig } from '../config/load.js';
import { EXIT } from '../errors.js';
import { parseWhole } from '../options/whole.js';
import { parseRepoList } from '../workspace/repos.js';
import { DEFAULT_SYNC_CONCURRENCY } from '../workspace/sync.js';
import { isSynced } from '../workspace/types.js';
import { syncWithView } from '../workspace/view.js';
import type { Register } from './program.js';

interface SyncFlags {
  branch: string;
  repos?: string;
  concurrency?: string;
  waitForTests?: string;
  json?: boolean;
  config?: string;
}

export const registerSync: Register = (program, ctx, result) => {
  program
    .command('sync')
    .description("clone missing repos, fetch and fast-forward; check out the branch where the remote has it, else the repo's default branch (a fallback)")
    .requiredOption('-b, --branch <name>', 'the feature branch to bring every repo onto')
    .addOption(new Option('--repos <names>', 'only these repos (comma-separated names from the config)'))
    .addOption(new Option('--concurrency <n>', `repos synced at once (default ${DEFAULT_SYNC_CONCURRENCY})`))
    .addOption(new Option('--wait-for-tests <seconds>', 'wait this long for a running uber test that uses a repo, then skip it as busy (default: sync.waitForTests)'))
    .addOption(new Option('--json', 'print the outcomes as JSON on stdout (progress and the table stay on stderr)'))
    .action(async (_opts: unknown, cmd: { optsWithGlobals: () => SyncFlags }) => {
      const flags = cmd.optsWithGlobals();
      const concurrency = flags.concurrency === undefined ? undefined : parseWhole('--concurrency', flags.concurrency, 1, 256);
      const waitForTestsMs = flags.waitForTests === undefined ? undefined : parseWhole('--wait-for-tests', flags.waitForTests, 0) * 1000;
      const loaded = loadConfig(ctx.cwd, flags.config);
      const only = flags.repos === undefined ? undefined : parseRepoList(flags.repos);
      const outcomes = await syncWithView({ loaded, branch: flags.branch, only, concurrency, waitForTestsMs, ctx, json: Boolean(flags.json) });
      result.code = outcomes.every(isSynced) ? EXIT.ok : EXIT.failed;
    });
};
