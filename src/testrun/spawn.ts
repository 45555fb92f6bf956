// Runs mocha in its own process group (abort → SIGTERM → SIGKILL the group; dies with uber via the sentinel), output passed through.
import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { killGroup } from '../exec/kill.js';
import { groupGuard } from '../exec/watchdog.js';

export interface MochaExit {
  readonly code: number | null;
  readonly signal: string | null;
  readonly cancelled: boolean;
  /** The last lines mocha (and its workers) printed, for crash reports. */
  readonly tail: string;
  readonly pid: number | undefined;
}

const TAIL = 16 * 1024;

export function spawnMocha(argv: readonly string[], opts: { cwd: string; env: NodeJS.ProcessEnv; signal: AbortSignal; stdout: Writable; stderr: Writable; graceMs?: number }): Promise<MochaExit> {
  return new Promise((resolve) => {
    let tail = '';
    let cancelled = false;
    let killTimer: NodeJS.Timeout | undefined;
    // uber's sentinel kills this group if uber itself dies (even by SIGKILL), so no worker keeps a lease
    const guard = groupGuard();
    const child = spawn(process.execPath, argv, { cwd: opts.cwd, env: { ...opts.env, ...guard.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const unguard = child.pid !== undefined ? guard.register(child.pid) : undefined;
    const keep = (s: string): void => {
      tail = (tail + s).slice(-TAIL);
    };
    child.stdout.on('data', (b: Buffer) => {
      opts.stdout.write(b);
      keep(b.toString('utf8'));
    });
    child.stderr.on('data', (b: Buffer) => {
      opts.stderr.write(b);
      keep(b.toString('utf8'));
    });
    const onAbort = (): void => {
      if (child.pid === undefined || cancelled) return;
      cancelled = true;
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), opts.graceMs ?? 3000);
    };
    if (opts.signal.aborted) onAbort();
    opts.signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => keep(`uber: cannot start mocha: ${e.message}\n`));
    child.on('close', (code, signal) => {
      opts.signal.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL'); // no worker outlives its run
      unguard?.();
      resolve({ code, signal, cancelled, tail, pid: child.pid });
    });
  });
}
