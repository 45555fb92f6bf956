// Finds out whether the sandbox server's pid is alive and really ours, pings its accounts, and stops it.
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { isAlive } from '../exec/alive.js';
import type { SandboxAccount } from './layout.js';

/** Guards against a recycled pid: on Linux the command line must name our server script. */
export function isSandboxServer(pid: number): boolean {
  if (!isAlive(pid)) return false;
  const cmdline = `/proc/${pid}/cmdline`;
  if (!existsSync(cmdline)) return true; // no procfs (macOS): trust the pid file
  try {
    return /sandbox[/\\]server\.(js|ts)/.test(readFileSync(cmdline, 'utf8'));
  } catch {
    return false;
  }
}

/** GET on dynalite answers "healthy: dynamodb…"; anything else (or nothing within 1 s) is not our account. */
export function ping(account: SandboxAccount): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${account.endpoint}/`, { timeout: 1000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body.startsWith('healthy: dynamodb')));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, wait up to graceMs, then SIGKILL; resolves once the pid is gone. */
export async function stopPid(pid: number, graceMs = 10_000): Promise<'stopped' | 'killed'> {
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const until = Date.now() + graceMs;
  while (Date.now() < until) {
    if (!isAlive(pid)) return 'stopped';
    await sleep(50);
  }
  signal('SIGKILL');
  for (let i = 0; i < 250 && isAlive(pid); i += 1) await sleep(20);
  return 'killed';
}
