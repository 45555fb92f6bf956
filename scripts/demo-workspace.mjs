// Builds the demo workspace from templates/demo: local bare git remotes (orders has a feat-x branch) and uber.config.yaml.
// Used by scripts/demo.mjs and by the e2e suite, so both run the very same workspace.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

export const UBER_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const TEMPLATE = path.join(UBER_ROOT, 'templates', 'demo');
export const DEPLOY_LOCAL = path.join(TEMPLATE, 'deploy-local.mjs');
/** The repos of the demo and the branches each remote gets (main always). */
export const DEMO_REPOS = [
  { name: 'orders', branches: ['feat-x'] },
  { name: 'payments', branches: [] },
  { name: 'tests', branches: [] },
];
/** Tables every account must hold after `uber deploy --branch feat-x` (orders-events comes from feat-x). */
export const DEMO_TABLES = ['ledger-demo', 'orders-demo', 'orders-events-demo', 'payments-demo'];

// A fixed identity and no user/system git config: commit signing or hooks of the user must not break the demo.
const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'uber demo',
  GIT_AUTHOR_EMAIL: 'demo@uber.invalid',
  GIT_COMMITTER_NAME: 'uber demo',
  GIT_COMMITTER_EMAIL: 'demo@uber.invalid',
};
const run = promisify(execFile);
const git = (cwd, ...args) => run('git', args, { cwd, env: GIT_ENV });

/** Copies a template folder; "gitignore" becomes ".gitignore" (npm would drop a packed .gitignore). */
function copyTemplate(from, to) {
  cpSync(from, to, { recursive: true });
  for (const entry of readdirSync(to, { recursive: true })) {
    if (path.basename(String(entry)) === 'gitignore') {
      const file = path.join(to, String(entry));
      renameSync(file, path.join(path.dirname(file), '.gitignore'));
    }
  }
}

/** Commits the template on main (and each extra branch on top), then clones it bare as the remote. */
async function seedRemote(work, repo) {
  const seed = path.join(work, 'seed', repo.name);
  const remote = path.join(work, 'remotes', `${repo.name}.git`);
  copyTemplate(path.join(TEMPLATE, 'repos', repo.name), seed);
  await git(seed, 'init', '-q', '-b', 'main');
  await git(seed, 'add', '-A');
  await git(seed, 'commit', '-q', '-m', `${repo.name}: first version`);
  for (const branch of repo.branches) {
    await git(seed, 'checkout', '-q', '-b', branch);
    copyTemplate(path.join(TEMPLATE, 'branches', repo.name, branch), seed);
    await git(seed, 'add', '-A');
    await git(seed, 'commit', '-q', '-m', `${repo.name}: ${branch}`);
    await git(seed, 'checkout', '-q', 'main');
  }
  await git(work, 'clone', '-q', '--bare', '--no-local', seed, remote);
  return remote;
}

/**
 * Creates work/remotes/<repo>.git and work/uber.config.yaml. `deployCommand` replaces the demo's deploy command
 * (the e2e suite wraps it to make one account fail). Returns the config file.
 */
export async function createDemoWorkspace(work, { deployCommand } = {}) {
  mkdirSync(path.join(work, 'remotes'), { recursive: true });
  await Promise.all(DEMO_REPOS.map((repo) => seedRemote(work, repo)));
  const remotes = pathToFileURL(path.join(work, 'remotes')).href;
  let config = readFileSync(path.join(TEMPLATE, 'uber.config.yaml'), 'utf8').replaceAll('@REMOTES@', remotes).replaceAll('@DEPLOY_LOCAL@', DEPLOY_LOCAL);
  if (deployCommand) config = config.replace(/^ {2}command: .*$/m, `  command: ${JSON.stringify(deployCommand)}`);
  const file = path.join(work, 'uber.config.yaml');
  writeFileSync(file, config);
  return file;
}

/** Changes one handler of orders on feat-x and pushes it: the next `uber deploy` deploys orders only. Returns the file. */
export async function changeHandler(work) {
  const seed = path.join(work, 'seed', 'orders');
  await git(seed, 'checkout', '-q', 'feat-x');
  const file = path.join(seed, 'handler.mjs');
  writeFileSync(file, `${readFileSync(file, 'utf8')}// changed by the demo: only orders deploys again\n`);
  await git(seed, 'commit', '-q', '-am', 'orders: change the handler');
  await git(seed, 'push', '-q', path.join(work, 'remotes', 'orders.git'), 'feat-x');
  await git(seed, 'checkout', '-q', 'main');
  return 'orders/handler.mjs';
}

/**
 * Lets the tests repo import uber's client helper as `uber/client` (and the SDK it hands clients of): links
 * node_modules/uber to this package. ESM follows the link to the real path, so the plugin uber test loads and
 * the tests share one module instance.
 */
export function linkTestDeps(testsDir) {
  const links = [
    ['uber', UBER_ROOT],
    ['@aws-sdk/client-dynamodb', path.join(UBER_ROOT, 'node_modules', '@aws-sdk', 'client-dynamodb')],
  ];
  for (const [name, target] of links) {
    const link = path.join(testsDir, 'node_modules', name);
    if (existsSync(link)) continue;
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(target, link, 'dir');
  }
}
