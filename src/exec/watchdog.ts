// One sentinel per uber process: when uber dies (even by SIGKILL) it kills every child process group uber started.
//
// The sentinel is a small detached process started before uber's first child (a shell that waits on the pipe and
// becomes node only when it closes, so uber's start-up does not pay for a second node). Every child uber starts
// carries UBER_SENTINEL=<id> in its environment (inherited by its own children), and uber appends "+<pgid>" to a
// registry file when a child group starts and "-<pgid>" when it ends. The sentinel holds the read end of a pipe
// from uber; when uber exits for any reason the pipe closes, and the sentinel sends SIGTERM to every registered
// group and to every process whose environment carries its id (so a child spawned a moment before uber died is
// caught too), SIGKILL after a grace period, removes the registry and exits. One process start per uber run,
// not one per child. Plain JS so it runs without a build step.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const SENTINEL_SOURCE = String.raw`
const fs = require('node:fs');
const [registry, graceText, id] = process.argv.slice(1);
const marker = Buffer.from('UBER_SENTINEL=' + id + '\0');
function marked() {
  const out = [];
  let pids = [];
  try { pids = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)); } catch { return out; }
  for (const p of pids) {
    try { if (fs.readFileSync('/proc/' + p + '/environ').includes(marker)) out.push(Number(p)); } catch {}
  }
  return out;
}
const grace = Number(graceText || 3000);
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => {});
process.stdin.resume();
process.stdin.on('close', () => {
  const groups = new Set();
  let text = '';
  if (registry) { try { text = fs.readFileSync(registry, 'utf8'); } catch {} }
  for (const line of text.split('\n')) {
    const pgid = Number(line.slice(1));
    if (!Number.isInteger(pgid) || pgid <= 1) continue; // never "-1" (everything) or init
    if (line[0] === '+') groups.add(pgid); else groups.delete(pgid);
  }
  const killAll = (sig) => {
    for (const g of groups) { try { process.kill(-g, sig); } catch {} }
    for (const p of marked()) { try { process.kill(-p, sig); } catch {} try { process.kill(p, sig); } catch {} }
  };
  const done = () => { if (registry) { try { fs.rmSync(require('node:path').dirname(registry), { recursive: true, force: true }); } catch {} } process.exit(0); };
  if (groups.size === 0 && marked().length === 0) done();
  killAll('SIGTERM');
  setTimeout(() => { killAll('SIGKILL'); done(); }, grace);
});
`;

const SH = '/bin/sh';
/**
 * Ignores the signals the node sentinel ignores and blocks until uber's end of the pipe closes. Then it becomes node,
 * unless uber said "ok" on its way out (no registered group left) and no process carries the marker ($5 is the id).
 */
const WAIT_THEN_NODE = `trap '' INT TERM HUP; ok=; while IFS= read -r l; do [ "$l" = ok ] && ok=1; done; [ -n "$ok" ] && ! grep -qsF "UBER_SENTINEL=$5" /proc/[0-9]*/environ && exit 0; exec "$0" "$@"`;

/** Process groups registered and not yet ended. */
let live = 0;

interface Sentinel {
  readonly child: ChildProcess;
  readonly registry: string | undefined;
  readonly id: string;
}

let sentinel: Sentinel | undefined;

/** Appends to the registry; a full or read-only temp folder must not stop a run (the env marker still finds children). */
function record(registry: string | undefined, line: string): void {
  if (registry === undefined) return;
  try {
    appendFileSync(registry, line);
  } catch {
    // best effort
  }
}

function start(): Sentinel {
  let registry: string | undefined;
  let id = `${process.pid}-${randomUUID()}`;
  try {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'uber-sentinel-'));
    registry = path.join(dir, 'groups');
    id = path.basename(dir);
    appendFileSync(registry, '');
  } catch {
    registry = undefined; // e.g. ENOSPC in TMPDIR: children are still found by their UBER_SENTINEL marker
  }
  const args = ['-e', SENTINEL_SOURCE, registry ?? '', process.env.UBER_WATCHDOG_GRACE_MS ?? '3000', id];
  // a shell waits for the pipe to close and only then starts node: no node start-up (~0.1 s of CPU) beside uber's own
  const lazy = process.platform !== 'win32' && existsSync(SH);
  const child = spawn(lazy ? SH : process.execPath, lazy ? ['-c', WAIT_THEN_NODE, process.execPath, ...args] : args, {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.on('error', () => undefined);
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  child.stdin?.on('error', () => undefined);
  // a clean exit spares the node start: the write goes out at once (libuv tries a pipe write synchronously)
  if (lazy) {
    process.once('exit', () => {
      if (live !== 0) return;
      child.stdin?.write('ok\n');
      if (registry) rmSync(path.dirname(registry), { recursive: true, force: true });
    });
  }
  return { child, registry, id };
}

/**
 * Starts the sentinel (once per uber process) and returns the call that registers a process group with it.
 * Call it before spawning the child, so that uber dying right after the spawn still leaves a sentinel behind.
 */
export function groupGuard(): { readonly env: Record<string, string>; readonly register: (pgid: number) => () => void } {
  sentinel ??= start();
  const { registry, id } = sentinel;
  return {
    /** Put into the child's environment so the sentinel can find it and its descendants. */
    env: { UBER_SENTINEL: id },
    register: (pgid) => {
      if (!Number.isInteger(pgid) || pgid <= 1) throw new Error(`groupGuard: ${pgid} is not a process group`);
      record(registry, `+${pgid}\n`);
      live += 1;
      let ended = false;
      return () => {
        if (!ended) live -= 1;
        ended = true;
        record(registry, `-${pgid}\n`);
      };
    },
  };
}
