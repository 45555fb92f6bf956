// Drives the built binary (node dist/bin.js) for e2e checks: run to completion, or start and signal it mid-run.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const BIN = path.join(ROOT, 'dist', 'bin.js');

export interface UberRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly pid: number;
}

export interface UberOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Killed with SIGKILL after this long (the result then has signal SIGKILL); default 120 s. */
  readonly timeoutMs?: number | undefined;
}

export interface Started {
  readonly child: ChildProcess;
  readonly pid: number;
  /** stderr so far. */
  stderr(): string;
  /** stdout so far. */
  stdout(): string;
  readonly done: Promise<UberRun>;
}

/** Starts `uber ARGS` without waiting; the caller may signal it and then await `done`. */
export function startUber(args: readonly string[], opts: UberOptions): Started {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const done = new Promise<UberRun>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, pid: child.pid ?? -1 });
    });
  });
  return { child, pid: child.pid ?? -1, stderr: () => stderr, stdout: () => stdout, done };
}

/** Runs `uber ARGS` to the end. */
export function runUber(args: readonly string[], opts: UberOptions): Promise<UberRun> {
  return startUber(args, opts).done;
}

/** Runs async jobs with at most `limit` at once, results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Live processes whose environment holds `NAME=value` (read from /proc): what a run left behind, by a mark it passed down. */
export function processesWithEnv(name: string, value: string): number[] {
  const want = `${name}=${value}`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(want)) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}
