// Starts one dynalite server per account on loopback, skipping ports already in use; stops them all.
import type { Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import dynalite from 'dynalite';
import { accountIdentity, type SandboxAccount } from './layout.js';

export interface RunningAccount {
  readonly account: SandboxAccount;
  readonly server: Server;
}

const HOST = '127.0.0.1';
const PORT_TRIES = 200;

function listen(server: Server, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (e.code === 'EADDRINUSE' || e.code === 'EACCES') resolve(false);
      else reject(e);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve(true);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, HOST);
  });
}

/** dynalite reads the account id and region for its ARNs from the environment when a store is created. */
function createServer(identity: { region: string; accountId: string }, dataDir: string | null): Server {
  const saved = { id: process.env.AWS_ACCOUNT_ID, region: process.env.AWS_REGION };
  process.env.AWS_ACCOUNT_ID = identity.accountId;
  process.env.AWS_REGION = identity.region;
  try {
    return dynalite({ createTableMs: 20, deleteTableMs: 20, updateTableMs: 20, ...(dataDir ? { path: dataDir } : {}) });
  } finally {
    if (saved.id === undefined) delete process.env.AWS_ACCOUNT_ID;
    else process.env.AWS_ACCOUNT_ID = saved.id;
    if (saved.region === undefined) delete process.env.AWS_REGION;
    else process.env.AWS_REGION = saved.region;
  }
}

/** Starts accounts 1..count; each takes the next free port from basePort on. */
export async function startAccounts(opts: { count: number; basePort: number; dataRoot: string | null }): Promise<RunningAccount[]> {
  const running: RunningAccount[] = [];
  let port = opts.basePort;
  try {
    for (let n = 1; n <= opts.count; n += 1) {
      const id = accountIdentity(n);
      const dataDir = opts.dataRoot ? path.join(opts.dataRoot, id.profile) : null;
      if (dataDir) mkdirSync(dataDir, { recursive: true });
      const server = createServer(id, dataDir);
      let bound = false;
      for (let tries = 0; tries < PORT_TRIES && port <= 65535; tries += 1) {
        if ((bound = await listen(server, port))) break;
        port += 1; // in use: skip it
      }
      if (!bound) throw new Error(`no free loopback port found from ${opts.basePort} for ${id.profile}`);
      running.push({ server, account: { ...id, port, endpoint: `http://${HOST}:${port}`, dataDir } });
      port += 1;
    }
    return running;
  } catch (e) {
    await stopAccounts(running);
    throw e;
  }
}

export async function stopAccounts(running: readonly RunningAccount[]): Promise<void> {
  await Promise.all(
    running.map(
      (r) =>
        new Promise<void>((resolve) => {
          r.server.closeAllConnections?.();
          r.server.close(() => resolve());
        }),
    ),
  );
}
