// Children a library spawns itself (simple-git): found as they start, each given its own process group, then held to run()'s rules.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { subscribe } from 'node:diagnostics_channel';
import { killGroup } from './kill.js';
import { groupGuard } from './watchdog.js';

export interface AdoptOptions {
  readonly signal: AbortSignal;
  /** Grace between SIGTERM and SIGKILL after an abort. */
  readonly graceMs: number;
}

type Adopter = (child: ChildProcess) => void;
const scope = new AsyncLocalStorage<Adopter>();
let listening = false;

/**
 * Node publishes every new ChildProcess on its documented `child_process` diagnostics channel, synchronously in
 * spawn(), before the process starts: the async context there is the caller's, so a spawn made on behalf of
 * adopt()'s `fn` is found by its scope, however deep in a library.
 */
function listen(): void {
  if (listening) return;
  listening = true;
  subscribe('child_process', (message) => {
    const adopter = scope.getStore();
    const child = (message as { process?: ChildProcess }).process;
    if (adopter && child) adopter(child);
  });
}

/**
 * Starts the child `detached`, as run() does: simple-git takes no such option (its spawnOptions keeps uid and gid
 * only). The channel hands over the ChildProcess before node calls its spawn(options), so that one call gets
 * `detached: true`. Returns whether it did: should node ever start children another way, the child stays in
 * uber's group and is signalled alone.
 */
function detach(child: ChildProcess): () => boolean {
  let done = false;
  const proto = Object.getPrototypeOf(child) as { spawn?: (o: SpawnOptions) => unknown };
  const spawn = proto.spawn;
  if (process.platform === 'win32' || typeof spawn !== 'function') return () => false;
  Object.defineProperty(child, 'spawn', {
    configurable: true,
    writable: true,
    value(this: ChildProcess, options: SpawnOptions) {
      delete (child as { spawn?: unknown }).spawn; // once, then the prototype's again
      done = true;
      return spawn.call(this, { ...options, detached: true });
    },
  });
  return () => done;
}

/**
 * Runs `fn`; every process it spawns is held like run()'s: it leads its own process group (and session: the
 * terminal's Ctrl-C reaches uber, which aborts, and a loaded machine gives it its own scheduling share, as run()'s
 * children get), registered with the sentinel (which also finds it by the UBER_SENTINEL marker the caller puts in
 * its env, see sentinelEnv); on abort the group gets SIGTERM, then SIGKILL after the grace; after the child exits
 * the group gets SIGKILL, so its own children (ssh, remote helpers) never outlive it.
 */
export async function adopt<T>(opts: AdoptOptions, fn: () => Promise<T>): Promise<T> {
  listen();
  const adopter: Adopter = (child) => {
    const detached = detach(child);
    // node sets pid when its spawn() returns, right after publishing: read it once that synchronous call is over
    queueMicrotask(() => {
      const pid = child.pid;
      if (pid === undefined) return; // it did not start: nothing to hold
      const ownGroup = detached();
      const signalIt = (sig: NodeJS.Signals): void => (ownGroup ? killGroup(pid, sig) : void child.kill(sig));
      const unguard = ownGroup ? groupGuard().register(pid) : undefined;
      let force: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        signalIt('SIGTERM');
        force ??= setTimeout(() => signalIt('SIGKILL'), opts.graceMs);
      };
      const end = (): void => {
        opts.signal.removeEventListener('abort', onAbort);
        clearTimeout(force);
        if (ownGroup) killGroup(pid, 'SIGKILL'); // grandchildren never outlive their git
        unguard?.();
      };
      if (child.exitCode !== null || child.signalCode !== null) return end();
      child.once('exit', end);
      if (opts.signal.aborted) onAbort();
      else opts.signal.addEventListener('abort', onAbort, { once: true });
    });
  };
  return scope.run(adopter, fn);
}

/** The env marker that lets the sentinel find a child (and its children) even before its group is registered. */
export function sentinelEnv(): Record<string, string> {
  return groupGuard().env;
}
