// Children a library spawns itself (simple-git): known by a mark in their env as they start, each given its own process group, then held to run()'s rules.
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { subscribe } from 'node:diagnostics_channel';
import { killGroup } from './kill.js';
import { groupGuard } from './watchdog.js';

export interface AdoptOptions {
  readonly signal: AbortSignal;
  /** Grace between SIGTERM and SIGKILL after an abort. */
  readonly graceMs: number;
  /**
   * The child's stdin: `'ignore'` (/dev/null) for a library that never writes to it (simple-git opens a pipe it never
   * uses: one more socket pair and stream for every child, ~0.4 ms of node's CPU), where the library left it unset.
   */
  readonly stdin?: 'ignore' | undefined;
}

/** What a library must put in the env of the children it spawns, so that adopt() knows them. */
export interface AdoptMark {
  readonly env: Readonly<Record<string, string>>;
}

interface Holder {
  readonly adopt: (child: ChildProcess, ownGroup: boolean) => void;
  readonly stdin: 'ignore' | undefined;
}
const KEY = 'UBER_ADOPT';
/** The marks adopt() holds now, each with what to do with a child that carries it. */
const holders = new Map<string, Holder>();
let marks = 0;
let listening = false;

/** A new mark: give `env` to the library (simple-git's `.env()`), then run its calls through adopt(). */
export function adoptMark(): AdoptMark {
  marks += 1;
  return { env: { [KEY]: `${process.pid}.${marks}` } };
}

/** The holder of the mark in a spawn's env (node's own `envPairs`, "NAME=value"), if any. */
function holderOf(options: SpawnOptions & { envPairs?: unknown }): Holder | undefined {
  const pairs = options.envPairs;
  if (!Array.isArray(pairs)) return undefined;
  const prefix = `${KEY}=`;
  for (const pair of pairs) if (typeof pair === 'string' && pair.startsWith(prefix)) return holders.get(pair.slice(prefix.length));
  return undefined;
}

/**
 * Node publishes every new ChildProcess on its documented `child_process` diagnostics channel, synchronously in
 * spawn(), just before it calls the child's spawn(options): that one call is wrapped, and when its env carries a
 * held mark, it starts `detached` (simple-git takes no such option: its spawnOptions keeps uid and gid only) and is
 * handed to the holder. The mark, not the async context, says whose child it is: an AsyncLocalStorage (as before)
 * turns on node 20's promise hooks for the whole process, and with them every promise of uber's cost more: +1.7 ms
 * of node's CPU for each clone's inspection on run() alone, measured. Should node ever start children another way,
 * the child stays in uber's group (the sentinel still finds it by its UBER_SENTINEL env, see sentinelEnv).
 */
function listen(): void {
  if (listening) return;
  listening = true;
  subscribe('child_process', (message) => {
    if (holders.size === 0) return; // nothing held: children start as they would
    const child = (message as { process?: ChildProcess }).process;
    const proto = child && (Object.getPrototypeOf(child) as { spawn?: (o: SpawnOptions) => unknown });
    const spawn = proto?.spawn;
    if (!child || typeof spawn !== 'function') return;
    Object.defineProperty(child, 'spawn', {
      configurable: true,
      writable: true,
      value(this: ChildProcess, options: SpawnOptions) {
        delete (child as { spawn?: unknown }).spawn; // once, then the prototype's again
        const holder = holderOf(options);
        if (!holder) return spawn.call(this, options);
        const ownGroup = process.platform !== 'win32';
        const changed: SpawnOptions = { ...options };
        if (ownGroup) changed.detached = true;
        if (holder.stdin && options.stdio === undefined) changed.stdio = [holder.stdin, 'pipe', 'pipe'];
        const started = spawn.call(this, changed);
        holder.adopt(child, ownGroup);
        return started;
      },
    });
  });
}

/**
 * Runs `fn`; every process it spawns with `mark.env` in its env is held like run()'s: it leads its own process group
 * (and session: the terminal's Ctrl-C reaches uber, which aborts, and a loaded machine gives it its own scheduling
 * share, as run()'s children get), registered with the sentinel (which also finds it by the UBER_SENTINEL marker the
 * caller puts in its env, see sentinelEnv); on abort the group gets SIGTERM, then SIGKILL after the grace; after the
 * child exits the group gets SIGKILL, so its own children (ssh, remote helpers) never outlive it. One adopt() at a
 * time for a mark (a library client's calls, one after another).
 */
export async function adopt<T>(mark: AdoptMark, opts: AdoptOptions, fn: () => Promise<T>): Promise<T> {
  listen();
  const id = mark.env[KEY];
  if (id === undefined || holders.has(id)) throw new Error(`adopt(): mark ${id ?? '(none)'} is not new or already held`);
  const hold = (child: ChildProcess, ownGroup: boolean): void => {
    const pid = child.pid;
    if (pid === undefined) return; // it did not start: nothing to hold
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
    child.once('exit', end);
    if (opts.signal.aborted) onAbort();
    else opts.signal.addEventListener('abort', onAbort, { once: true });
  };
  holders.set(id, { stdin: opts.stdin, adopt: hold });
  try {
    return await fn();
  } finally {
    holders.delete(id);
  }
}

/** The env marker that lets the sentinel find a child (and its children) even before its group is registered. */
export function sentinelEnv(): Record<string, string> {
  return groupGuard().env;
}
