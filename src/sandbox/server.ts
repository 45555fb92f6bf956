// The sandbox's background process: hosts every local account, records where, and stops cleanly on SIGTERM.
// Started detached by `uber sandbox up` as `node server.js --dir D --accounts N [--in-memory] [--port P]`.
import { mkdirSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { writeJsonAtomic } from '../util/atomic-write.js';
import { startAccounts, stopAccounts } from './accounts.js';
import { DEFAULT_BASE_PORT, readPid, readRuntime, sandboxFiles, type SandboxRuntime } from './layout.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    accounts: { type: 'string', default: '3' },
    'in-memory': { type: 'boolean', default: false },
    port: { type: 'string', default: String(DEFAULT_BASE_PORT) },
  },
});
if (!values.dir) throw new Error('server.js needs --dir');
const files = sandboxFiles(values.dir);
const inMemory = values['in-memory'];
mkdirSync(files.dir, { recursive: true });

const log = (line: string): void => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);

const running = await startAccounts({
  count: Number(values.accounts),
  basePort: Number(values.port),
  dataRoot: inMemory ? null : files.data,
});
const runtime: SandboxRuntime = {
  version: 1,
  pid: process.pid,
  startedAt: new Date().toISOString(),
  dir: files.dir,
  inMemory,
  accounts: running.map((r) => r.account),
};
writeJsonAtomic(files.runtime, runtime);
for (const a of runtime.accounts) log(`${a.profile} (${a.region}) listens on ${a.endpoint}${a.dataDir ? `, data in ${a.dataDir}` : ', in memory'}`);

let stopping = false;
async function stop(sig: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log(`${sig}: stopping ${running.length} account(s)`);
  const force = setTimeout(() => process.exit(1), 8000);
  force.unref();
  await stopAccounts(running);
  // Remove our own records only: a newer server may already have taken the pid file over.
  if (readPid(files) === process.pid) rmSync(files.pid, { force: true });
  if (readRuntime(files)?.pid === process.pid) rmSync(files.runtime, { force: true });
  log('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGHUP', () => undefined); // detached from any terminal; a closing shell must not stop the accounts
