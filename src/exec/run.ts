// The one place that spawns processes: own process group, abort → SIGTERM → SIGKILL, timeout, why-it-ended; and a detached mode for servers.
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { killGroup } from './kill.js';
import { groupGuard } from './watchdog.js';

export interface RunOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal | undefined;
  /** Milliseconds before the process group is terminated; 0 = none. */
  readonly timeoutMs?: number | undefined;
  /** Grace between SIGTERM and SIGKILL. */
  readonly graceMs?: number | undefined;
  /** Receives stdout and stderr interleaved, as they come. */
  readonly output?: Writable | undefined;
  /** Receive the child's stdout / stderr apart, as they come (a test runner's own output passed through). */
  readonly stdout?: Writable | undefined;
  readonly stderr?: Writable | undefined;
  readonly onSpawn?: ((pid: number) => void) | undefined;
  /** Register the process group with the sentinel so it dies when uber is killed (default true). */
  readonly watchParent?: boolean | undefined;
}

/** Why a process ended; the first cause wins. */
export type EndReason = 'exit' | 'signal' | 'timeout' | 'cancelled' | 'spawn-error';

export interface RunResult {
  readonly reason: EndReason;
  readonly exitCode?: number | undefined;
  readonly signal?: string | undefined;
  readonly durationMs: number;
  /** Combined output (tail-trimmed to the last 1 MiB). */
  readonly output: string;
  readonly errorMessage?: string | undefined;
  readonly pid?: number | undefined;
}

const MAX_KEEP = 1 << 20;

/** Runs argv[0] with argv[1..] (never a shell) in its own process group and reports how it ended. */
export async function run(argv: readonly string[], opts: RunOptions): Promise<RunResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('run() needs a command');
  const started = performance.now();
  let first: EndReason | undefined;
  let chunks = '';
  const guard = (opts.watchParent ?? true) ? groupGuard() : undefined;
  const child = execa(file, args, {
    cwd: opts.cwd,
    env: guard ? { ...opts.env, ...guard.env } : opts.env,
    extendEnv: false,
    detached: true,
    stdin: 'ignore',
    all: true,
    buffer: false,
    reject: false,
    cleanup: true,
  });
  const grace = opts.graceMs ?? 5000;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (why: EndReason): void => {
    if (child.pid === undefined || child.exitCode !== null) return;
    first ??= why;
    killGroup(child.pid, 'SIGTERM');
    killTimer ??= setTimeout(() => killGroup(child.pid!, 'SIGKILL'), grace);
  };
  const unguard = child.pid !== undefined ? guard?.register(child.pid) : undefined;
  if (child.pid !== undefined) opts.onSpawn?.(child.pid);
  const onAbort = (): void => stop('cancelled');
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = opts.timeoutMs ? setTimeout(() => stop('timeout'), opts.timeoutMs) : undefined;
  if (opts.stdout) child.stdout?.on('data', (b: Buffer) => opts.stdout?.write(b));
  if (opts.stderr) child.stderr?.on('data', (b: Buffer) => opts.stderr?.write(b));
  child.all?.on('data', (b: Buffer) => {
    const s = b.toString('utf8');
    opts.output?.write(s);
    chunks += s;
    if (chunks.length > 2 * MAX_KEEP) chunks = chunks.slice(-MAX_KEEP);
  });
  const res = await child;
  if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL'); // grandchildren never outlive their deploy
  unguard?.();
  clearTimeout(timer);
  clearTimeout(killTimer);
  opts.signal?.removeEventListener('abort', onAbort);
  const durationMs = performance.now() - started;
  const output = chunks.slice(-MAX_KEEP);
  const base = { durationMs, output, pid: child.pid };
  if (res.failed && res.exitCode === undefined && res.signal === undefined) {
    return { ...base, reason: first ?? 'spawn-error', errorMessage: res.shortMessage };
  }
  if (first) return { ...base, reason: first, exitCode: res.exitCode, signal: res.signal };
  if (res.signal) return { ...base, reason: 'signal', signal: res.signal };
  return { ...base, reason: 'exit', exitCode: res.exitCode ?? 0 };
}

export interface DetachedOptions {
  readonly cwd: string;
  /** The whole environment of the server (nothing is inherited). */
  readonly env: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here: a file outlives uber, a pipe would not. */
  readonly logFile: string;
}

/** A server started by startDetached. */
export interface Detached {
  readonly pid: number | undefined;
  /** Why it ended, if it did while uber still runs (the same reasons as run()); undefined while it runs. */
  ended(): { readonly reason: Extract<EndReason, 'exit' | 'signal' | 'spawn-error'>; readonly exitCode?: number | undefined; readonly signal?: string | undefined; readonly errorMessage?: string | undefined } | undefined;
}

/**
 * run()'s detached mode, for a server that must outlive uber (the sandbox's dynalite): its own process group
 * (Ctrl-C in the terminal does not reach it), output appended to a log file, no sentinel and no kill after
 * exit, and not awaited (unref'd), so uber exits while it keeps running. run() cannot serve here because it
 * waits for the process and kills its group at the end; both stay in this file so there is one place to spawn.
 */
export function startDetached(argv: readonly string[], opts: DetachedOptions): Detached {
  const [file, ...args] = argv;
  if (!file) throw new Error('startDetached() needs a command');
  const logFd = openSync(opts.logFile, 'a');
  let end: ReturnType<Detached['ended']>;
  try {
    // node's spawn, not execa: the log file's descriptor is handed to the child itself (execa's types take only
    // literal descriptors), and none of execa's work (output capture, kill on exit) applies to a process uber leaves
    const child = spawn(file, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', logFd, logFd] });
    child.once('error', (e) => (end ??= { reason: 'spawn-error', errorMessage: e.message }));
    child.once('exit', (code, sig) => (end ??= sig ? { reason: 'signal', signal: sig } : { reason: 'exit', exitCode: code ?? 0 }));
    child.unref();
    return { pid: child.pid, ended: () => end };
  } finally {
    closeSync(logFd); // the child holds its own copy
  }
}
