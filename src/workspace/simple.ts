// simple-git for the long git calls (clone, fetch): its progress events feed the live rows; the same no-prompt env, sentinel marker, signal and error words as git.ts.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { simpleGit, type SimpleGit, type SimpleGitProgressEvent } from 'simple-git';
import type { Ctx } from '../context.js';
import { groupGuard } from '../exec/watchdog.js';
import { gitEnv, GitError } from './git.js';

/** One progress report of a clone or fetch: git's stage ("receiving", "resolving", ...) and how far it is. */
export interface GitProgress {
  readonly stage: string;
  readonly percent: number;
  readonly processed: number;
  readonly total: number;
}

/**
 * simple-git refuses to run when the env names a program git may start (GIT_SSH_COMMAND, GIT_ASKPASS, EDITOR, PAGER,
 * GIT_CONFIG_*...). That guards against untrusted input; here the env is the user's own shell (what plain `git`
 * would see) plus uber's no-prompt settings, so those env checks are allowed. Its checks of the *arguments*
 * (e.g. `--upload-pack`, `-c core.sshCommand`), which a repo URL or branch name could reach, stay on.
 */
const TRUSTED_ENV = {
  allowUnsafeAskPass: true,
  allowUnsafeSshCommand: true,
  allowUnsafeConfigPaths: true,
  allowUnsafeConfigEnvCount: true,
  allowUnsafeEditor: true,
  allowUnsafePager: true,
  allowUnsafeGitProxy: true,
  allowUnsafeTemplateDir: true,
  allowUnsafeDiffExternal: true,
} as const;

/** SIGTERM to SIGKILL, as git.ts gives its children. */
const GRACE_MS = 3000;

/** Pids on this host whose environment carries `marker` (NAME=value); none where /proc is missing. */
function markedPids(marker: string): number[] {
  const needle = Buffer.from(`${marker}\0`);
  const out: number[] = [];
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return out;
  }
  for (const p of pids) {
    try {
      if (readFileSync(`/proc/${p}/environ`).includes(needle)) out.push(Number(p));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

function killMarked(marker: string, signal: NodeJS.Signals): void {
  for (const pid of markedPids(marker)) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone meanwhile
    }
  }
}

/**
 * Runs one call on a simple-git client for `dir`, with git.ts's guarantees:
 * - no prompt: the env is gitEnv's (GIT_TERMINAL_PROMPT=0, no askpass, ssh in batch mode);
 * - the sentinel: simple-git spawns git itself, not in a process group of its own, so it cannot be registered by
 *   group; the env carries the sentinel's UBER_SENTINEL marker instead, inherited by git's own children (ssh,
 *   remote helpers): when uber dies, even by SIGKILL, the sentinel finds and kills them by that marker;
 * - Ctrl-C: `abort` is the run's signal, so simple-git stops git and the call rejects. simple-git signals git alone
 *   (SIGINT), which leaves a hung ssh behind; so on abort every process carrying this call's own marker (git and
 *   its children) gets SIGTERM, then SIGKILL after a grace, as exec/run.ts does for a process group;
 * - names never through a shell: simple-git passes argv to spawn, and its checks of the arguments stay on;
 * - git's own message on failure: a rejection becomes git.ts's GitError (fatal/error lines, credentials removed).
 */
export async function viaSimpleGit<T>(
  args: readonly string[],
  dir: string,
  ctx: Pick<Ctx, 'env' | 'signal'>,
  onProgress: ((p: GitProgress) => void) | undefined,
  call: (git: SimpleGit) => Promise<T>,
): Promise<T> {
  const marker = `UBER_GIT_CALL=${randomBytes(8).toString('hex')}`;
  const progress = onProgress ? ({ stage, progress: percent, processed, total }: SimpleGitProgressEvent): void => onProgress({ stage, percent, processed, total }) : undefined;
  const git = simpleGit({
    baseDir: dir,
    binary: 'git',
    maxConcurrentProcesses: 1,
    trimmed: false,
    abort: ctx.signal,
    ...(progress ? { progress } : {}),
    unsafe: TRUSTED_ENV,
  }).env({ ...gitEnv(ctx.env), ...groupGuard().env, UBER_GIT_CALL: marker.slice('UBER_GIT_CALL='.length) });
  let force: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    killMarked(marker, 'SIGTERM');
    force = setTimeout(() => killMarked(marker, 'SIGKILL'), GRACE_MS);
    force.unref();
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await call(git);
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    throw new GitError(args, { ok: false, out: text.trim(), raw: text, exitCode: undefined, cancelled: ctx.signal.aborted }, ctx.env);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    if (ctx.signal.aborted) {
      killMarked(marker, 'SIGKILL'); // the call is over: nothing of it may outlive the abort
      clearTimeout(force);
    }
  }
}
