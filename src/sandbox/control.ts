// `up` / `down` / `status` of the sandbox: one detached server per sandbox dir, tracked by a pid file, under a lock.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import lockfile from 'proper-lockfile';
import type { Ctx } from '../context.js';
import { InterruptedError, RunFailedError, UsageError } from '../errors.js';
import { nodeScript } from '../exec/node-script.js';
import { startDetached } from '../exec/run.js';
import { removeAwsFiles, writeAwsFiles } from './aws-files.js';
import { readPid, readRuntime, sandboxFiles, type SandboxAccount, type SandboxFiles, type SandboxRuntime } from './layout.js';
import { isSandboxServer, ping, sleep, stopPid } from './process.js';

export type SandboxState = 'running' | 'stopped' | 'unhealthy';

export interface SandboxStatus {
  readonly state: SandboxState;
  readonly files: SandboxFiles;
  readonly pid?: number | undefined;
  readonly runtime?: SandboxRuntime | undefined;
  /** Per account: does its endpoint answer right now. */
  readonly up: readonly boolean[];
}

export interface UpOptions {
  readonly dir: string;
  readonly accounts: number;
  readonly inMemory: boolean;
  readonly basePort: number;
  readonly ctx: Pick<Ctx, 'env' | 'signal'>;
}

const READY_TIMEOUT_MS = 20_000;

async function withLock<T>(files: SandboxFiles, fn: () => Promise<T>): Promise<T> {
  mkdirSync(files.dir, { recursive: true });
  const release = await lockfile.lock(files.dir, { lockfilePath: files.lock, retries: { retries: 200, minTimeout: 50, maxTimeout: 200 } });
  try {
    return await fn();
  } finally {
    await release();
  }
}

/** What runs in dir: a server that answers on every account, one that does not, or nothing. */
export async function sandboxStatus(dir: string): Promise<SandboxStatus> {
  const files = sandboxFiles(dir);
  const pid = readPid(files);
  if (pid === undefined || !isSandboxServer(pid)) return { state: 'stopped', files, up: [] };
  const runtime = readRuntime(files);
  if (runtime?.pid !== pid) return { state: 'unhealthy', files, pid, up: [] };
  const up = await Promise.all(runtime.accounts.map((a) => ping(a)));
  return { state: up.every(Boolean) ? 'running' : 'unhealthy', files, pid, runtime, up };
}

function serverCommand(files: SandboxFiles, opts: UpOptions): string[] {
  const fromSource = import.meta.url.endsWith('.ts'); // run from src/ under tsx (uber's own tests)
  // from the sandbox folder itself, or from the bundled command line (dist/bundle/), one folder down either way
  const script = fileURLToPath(new URL(`../sandbox/server.${fromSource ? 'ts' : 'js'}`, import.meta.url));
  const args = ['--dir', files.dir, '--accounts', String(opts.accounts), '--port', String(opts.basePort), ...(opts.inMemory ? ['--in-memory'] : [])];
  return [...nodeScript(script), ...args];
}

function logTail(files: SandboxFiles): string {
  if (!existsSync(files.log)) return '(no log)';
  return readFileSync(files.log, 'utf8').trim().split('\n').slice(-3).join(' | ');
}

async function startServer(files: SandboxFiles, opts: UpOptions): Promise<SandboxRuntime> {
  // no credentials or CI variables in a long-lived process: PATH only
  const server = startDetached(serverCommand(files, opts), { cwd: files.dir, env: { PATH: opts.ctx.env.PATH ?? '' }, logFile: files.log });
  const pid = server.pid;
  if (pid === undefined) throw new RunFailedError(`The sandbox server could not be started (${process.execPath}); see ${files.log}.`);
  writeFileSync(files.pid, `${pid}\n`);
  const exitedHow = (): string | undefined => {
    const end = server.ended();
    if (end === undefined) return undefined;
    return end.reason === 'signal' ? `killed by ${end.signal}` : end.reason === 'exit' ? `exit code ${end.exitCode}` : (end.errorMessage ?? 'could not start');
  };
  const giveUp = async (): Promise<void> => {
    await stopPid(pid, 2000);
    rmSync(files.pid, { force: true });
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (opts.ctx.signal.aborted) {
      await giveUp();
      throw new InterruptedError('Interrupted while the sandbox started; it is stopped again.');
    }
    const runtime = readRuntime(files);
    if (runtime?.pid === pid) return runtime;
    const exited = exitedHow();
    if (exited !== undefined) {
      rmSync(files.pid, { force: true });
      throw new RunFailedError(`The sandbox server stopped before its accounts were ready (${exited}): ${logTail(files)}; full log in ${files.log}.`);
    }
    if (Date.now() > deadline) {
      await giveUp();
      throw new RunFailedError(`The sandbox accounts were not ready within ${READY_TIMEOUT_MS / 1000} s; see ${files.log}.`);
    }
    await sleep(40);
  }
}

function describe(runtime: SandboxRuntime): string {
  return `${runtime.accounts.length} account${runtime.accounts.length === 1 ? '' : 's'} ${runtime.inMemory ? 'in memory' : 'on disk'}`;
}

/** Starts the accounts, or reuses the server that already runs them; always rewrites the AWS files. */
export async function sandboxUp(opts: UpOptions): Promise<{ runtime: SandboxRuntime; reused: boolean; files: SandboxFiles }> {
  const files = sandboxFiles(opts.dir);
  return withLock(files, async () => {
    const now = await sandboxStatus(files.dir);
    if (now.state === 'running' && now.runtime) {
      const same = now.runtime.accounts.length === opts.accounts && now.runtime.inMemory === opts.inMemory;
      if (!same) {
        const want = `${opts.accounts} account${opts.accounts === 1 ? '' : 's'} ${opts.inMemory ? 'in memory' : 'on disk'}`;
        throw new UsageError(
          'ERR_UBER_SANDBOX_RUNNING',
          `A sandbox with ${describe(now.runtime)} already runs in ${files.dir} (pid ${now.pid}); run "uber sandbox down" first to start one with ${want}.`,
        );
      }
      writeAwsFiles(files, now.runtime.accounts);
      return { runtime: now.runtime, reused: true, files };
    }
    if (now.pid !== undefined) await stopPid(now.pid, 3000); // ours, but not answering: replace it
    rmSync(files.pid, { force: true });
    rmSync(files.runtime, { force: true });
    const runtime = await startServer(files, opts);
    writeAwsFiles(files, runtime.accounts);
    return { runtime, reused: false, files };
  });
}

/** Stops the server (if any) and removes its pid, runtime and AWS files; data stays for the next up. */
export async function sandboxDown(dir: string): Promise<{ files: SandboxFiles; stopped?: { pid: number; how: 'stopped' | 'killed' } }> {
  const files = sandboxFiles(dir);
  if (!existsSync(files.dir)) return { files };
  return withLock(files, async () => {
    const pids = new Set([readPid(files), readRuntime(files)?.pid].filter((p): p is number => p !== undefined && isSandboxServer(p)));
    let stopped: { pid: number; how: 'stopped' | 'killed' } | undefined;
    for (const pid of pids) stopped = { pid, how: await stopPid(pid) };
    rmSync(files.pid, { force: true });
    rmSync(files.runtime, { force: true });
    removeAwsFiles(files);
    return { files, stopped };
  });
}

export type { SandboxAccount };
