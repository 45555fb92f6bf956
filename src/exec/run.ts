// The one place that spawns processes: own process group, abort → SIGTERM → SIGKILL, timeout, why-it-ended; and a detached mode for servers.
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
  /** Written to the child's stdin once it resolves, then stdin closes (undefined: closed with nothing); default: no stdin. */
  readonly input?: Promise<string | undefined> | undefined;
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
  // node's own spawn (no execa: its ~100 modules cost every uber command ~0.1 s of start-up; what uber needs from a
  // child is here: its own group, pipes read as they come, how it ended). node looks `file` up in env.PATH.
  const child = spawn(file, args, { cwd: opts.cwd, env: guard ? { ...opts.env, ...guard.env } : opts.env, detached: true, stdio: [opts.input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  if (opts.input && child.stdin) {
    const stdin = child.stdin;
    stdin.on('error', () => undefined); // a child that exits first closes its end
    void opts.input.then(
      (text) => stdin.end(text),
      () => stdin.end(),
    );
  }
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error })); // could not start (ENOENT, EACCES)
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const grace = opts.graceMs ?? 5000;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (why: EndReason): void => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
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
  const take = (to: Writable | undefined) => (b: Buffer): void => {
    to?.write(b);
    const s = b.toString('utf8');
    opts.output?.write(s);
    chunks += s;
    if (chunks.length > 2 * MAX_KEEP) chunks = chunks.slice(-MAX_KEEP);
  };
  child.stdout?.on('data', take(opts.stdout));
  child.stderr?.on('data', take(opts.stderr));
  const res = await ended;
  if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL'); // grandchildren never outlive their deploy
  unguard?.();
  clearTimeout(timer);
  clearTimeout(killTimer);
  opts.signal?.removeEventListener('abort', onAbort);
  const durationMs = performance.now() - started;
  const output = chunks.slice(-MAX_KEEP);
  const base = { durationMs, output, pid: child.pid };
  if (res.error) return { ...base, reason: first ?? 'spawn-error', errorMessage: startError(file, res.error) };
  const signal = res.signal ?? undefined;
  const exitCode = res.code ?? undefined;
  if (first) return { ...base, reason: first, exitCode, signal };
  if (signal) return { ...base, reason: 'signal', signal };
  return { ...base, reason: 'exit', exitCode: exitCode ?? 0 };
}

/** Why a command could not start, naming it: "ENOENT: no such command sls on PATH". */
function startError(file: string, e: NodeJS.ErrnoException): string {
  if (e.code === 'ENOENT') return `ENOENT: no such command ${file} on PATH (or its working folder is missing)`;
  return `${e.code ?? 'error'}: cannot start ${file}: ${e.message}`;
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
    // no pipes: the log file's descriptor is handed to the child itself, and the child is left to outlive uber
    const child = spawn(file, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', logFd, logFd] });
    child.once('error', (e) => (end ??= { reason: 'spawn-error', errorMessage: e.message }));
    child.once('exit', (code, sig) => (end ??= sig ? { reason: 'signal', signal: sig } : { reason: 'exit', exitCode: code ?? 0 }));
    child.unref();
    return { pid: child.pid, ended: () => end };
  } finally {
    closeSync(logFd); // the child holds its own copy
  }
}
